import { randomUUID } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import middy from '@middy/core';
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

/** POST /calculations: publish calculation.requested, answer 202 with where to look. */
async function startCalculation(event: HttpEvent<typeof requestCalculation>) {
  const { body: request } = event.input;
  const owner = callerOf(event);
  // Random, never derived from the Idempotency-Key: on a public API whoever guesses a key could
  // compute the id and read the result. A repeat gets this id back from the key's record (below);
  // the price is that a request retried after a crash between publishing and storing its answer
  // starts a second calculation.
  const calculationId = randomUUID();
  const published = await publisher.publish('calculation.requested', {
    calculationId,
    ...request,
    ...(owner ? { owner } : {}),
  });
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
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.IDEMPOTENCY_TABLE,
      awsSdkV3Client: idempotencyDynamoClient(),
    }),
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
