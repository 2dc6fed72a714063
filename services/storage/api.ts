import { randomUUID } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { dynamoClient } from '../../shared/aws/clients.ts';
import { callerOf } from '../../shared/http/caller.ts';
import { createHttpApi, route } from '../../shared/http/create-http-api.ts';
import { type HttpEvent, problem, respond } from '../../shared/http/operation.ts';
import { createLogger } from '../../shared/logger.ts';
import { createOutbox } from '../../shared/outbox.ts';
import { createCalculationStore } from './calculation-store.ts';
import { storageApiConfig } from './config.ts';
import { createRequestIds } from './request-ids.ts';
import { getCalculation, requestCalculation } from './routes.ts';

const config = storageApiConfig();
const logger = createLogger(config.SERVICE_NAME);
const store = createCalculationStore(config.CALCULATIONS_TABLE);
// The calculations table's outbox (custom.tables.calculations in serverless.yml): the relay
// publishes what a request writes here.
const outbox = createOutbox({
  tableName: config.CALCULATIONS_TABLE,
  partitionKey: 'calculationId',
  ttlAttribute: 'expiresAt',
  source: config.SERVICE_NAME,
});

// One persistence layer per wrapper: each keeps its own key prefix. On the function's one DynamoDB
// client: a failed write fails the request, which its caller retries (clients.ts).
const idempotencyTable = () =>
  new DynamoDBPersistenceLayer({
    tableName: config.IDEMPOTENCY_TABLE,
    awsSdkV3Client: dynamoClient(),
  });

const reserveIds = createRequestIds(config.IDEMPOTENCY_TABLE);

/** The transaction was refused because its calculation is already written (the first item's condition). */
const alreadyWritten = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';

/**
 * POST /calculations: the calculation (pending) and calculation.requested in one transaction,
 * then 202 with where to look — readable at once, whatever the bus is doing.
 */
// Two parameters, as a handler: makeIdempotent takes the second for the invocation's time left.
async function startCalculation(event: HttpEvent<typeof requestCalculation>, _context: Context) {
  const { body: request, idempotencyKey: key } = event.input;
  const owner = callerOf(event);
  const ids = key ? await reserveIds({ caller: owner, key, body: event.body ?? '' }) : undefined;
  const calculationId = ids?.calculationId ?? randomUUID();
  try {
    const [requested] = await outbox.write(
      [store.create({ calculationId, ...request, owner, at: new Date().toISOString() })],
      [
        {
          type: 'calculation.requested',
          data: { calculationId, ...request, ...(owner ? { owner } : {}) },
          lineage: ids ? { id: ids.eventId } : undefined,
        },
      ],
    );
    logger.info('Calculation requested', { calculationId, eventId: requested?.id });
  } catch (error) {
    // Only a request with reserved ids can meet its own calculation: a re-run after a crash.
    if (!(ids && alreadyWritten(error))) throw error;
    logger.info('Calculation already requested', { calculationId });
  }
  return respond(
    requestCalculation,
    202,
    { calculationId, status: 'pending' },
    { Location: `/calculations/${calculationId}` },
  );
}

// A retried POST with the same Idempotency-Key gets the stored answer (the same calculation id and
// Location) and writes nothing; the same key with another body is refused (422). Requests
// without the header are not deduplicated.
// Powertools' function wrapper, not its Middy middleware: the middleware deleted the record when
// it refused a request (a duplicate in progress, another body), so the next retry ran again
// (powertools-lambda-typescript#5675, fixed after 2.35.0).
const idempotentStartCalculation = middy(
  makeIdempotent(startCalculation, {
    persistenceStore: idempotencyTable(),
    config: new IdempotencyConfig({
      // The caller's key, scoped to the caller when the API is authenticated (their JWT sub; a
      // JWT without one never gets here, route() answers 401): another caller's identical key is
      // another record. On a public API a key is everyone's. No key, no record.
      eventKeyJmesPath:
        'headers."idempotency-key" && [requestContext.authorizer.jwt.claims.sub, headers."idempotency-key"]',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: 24 * 60 * 60,
    }),
    keyPrefix: 'storage-api',
  }),
);

/** GET /calculations/{id} */
async function readCalculation(event: HttpEvent<typeof getCalculation>) {
  const { id } = event.input.path;
  // Strongly consistent: a GET right after the POST that wrote it must find it (read your writes).
  const record = await store.get(id, { consistent: true });
  // With an authenticated API only the caller who asked may read it; to anyone else it does not
  // exist (a 403 would confirm the id).
  const caller = callerOf(event);
  if (!record || (caller !== undefined && record.owner !== caller))
    throw problem(getCalculation, 404, 'Not Found', `No calculation ${id}`);
  const { calculationId, status, operation, a, b, result, error, createdAt, updatedAt } = record;
  return respond(getCalculation, 200, {
    calculationId,
    status,
    operation,
    a,
    b,
    result,
    error,
    createdAt,
    updatedAt,
  });
}

export const handler = createHttpApi(
  [route(requestCalculation, idempotentStartCalculation), route(getCalculation, readCalculation)],
  logger,
  config.SERVICE_NAME,
);
