import { randomUUID } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { idempotencyDynamoClient } from '../../shared/aws/clients.ts';
import { callerOf } from '../../shared/http/caller.ts';
import { createHttpApi, route } from '../../shared/http/create-http-api.ts';
import { type HttpEvent, respond } from '../../shared/http/operation.ts';
import { createLogger } from '../../shared/logger.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { calculatorConfig } from './config.ts';
import { requestCalculation } from './routes.ts';

const config = calculatorConfig();
const logger = createLogger(config.SERVICE_NAME);
const publisher = createPublisher({
  topicArn: config.EVENTS_TOPIC_ARN,
  source: config.SERVICE_NAME,
});

// One persistence layer per wrapper: each keeps its own key prefix.
const idempotencyTable = () =>
  new DynamoDBPersistenceLayer({
    tableName: config.IDEMPOTENCY_TABLE,
    awsSdkV3Client: idempotencyDynamoClient(),
  });

/**
 * The ids of a request with an Idempotency-Key: random the first time, then kept under its caller,
 * key and body (another body is another calculation, even once the answer's record expired).
 * Random, never derived from the key: on a public API whoever guessed a key could compute the id
 * and read the result. Kept apart from the answer, which is stored only once the request is done:
 * a request re-executed after a crash between publishing and storing its answer republishes the
 * same calculation under the same event id (deduplicated downstream), not a second one.
 */
const reserveIds = makeIdempotent(
  async (_request: { caller?: string; key: string; body: string }, _context: Context) => ({
    calculationId: randomUUID(),
    eventId: randomUUID(),
  }),
  {
    persistenceStore: idempotencyTable(),
    config: new IdempotencyConfig({ expiresAfterSeconds: 24 * 60 * 60 }),
    // Under the role's `calculator-api#*` leading keys, apart from the answers' records.
    keyPrefix: 'calculator-api#ids',
  },
);

/** POST /calculations: publish calculation.requested, answer 202 with where to look. */
async function startCalculation(event: HttpEvent<typeof requestCalculation>, context: Context) {
  const { body: request, idempotencyKey: key } = event.input;
  const owner = callerOf(event);
  const ids = key
    ? await reserveIds({ caller: owner, key, body: event.body ?? '' }, context)
    : undefined;
  const calculationId = ids?.calculationId ?? randomUUID();
  const published = await publisher.publish(
    'calculation.requested',
    { calculationId, ...request, ...(owner ? { owner } : {}) },
    ids ? { id: ids.eventId } : undefined,
  );
  logger.info('Calculation requested', { calculationId, eventId: published.id });
  return respond(
    requestCalculation,
    202,
    { calculationId, status: 'pending' },
    { Location: `/calculations/${calculationId}` },
  );
}

// A retried POST with the same Idempotency-Key gets the stored answer (the same calculation id and
// Location) and publishes nothing; the same key with another body is refused (422). Requests
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
    keyPrefix: 'calculator-api',
  }),
);

export const handler = createHttpApi(
  [route(requestCalculation, idempotentStartCalculation)],
  logger,
  config.SERVICE_NAME,
);
