import { randomUUID } from 'node:crypto';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CalculationRequest } from '../../events/calculation-fields.ts';
import { dynamoClient } from '../../shared/aws/clients.ts';
import { createHttpApi } from '../../shared/http/create-http-api.ts';
import { json, jsonBody, validate } from '../../shared/http/request.ts';
import { createLogger } from '../../shared/logger.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { calculatorConfig } from './config.ts';

const config = calculatorConfig();
const logger = createLogger(config.SERVICE_NAME);
const publisher = createPublisher({
  topicArn: config.EVENTS_TOPIC_ARN,
  source: config.SERVICE_NAME,
});

/** POST /calculations: validate, publish calculation.requested, answer 202 with where to look. */
async function requestCalculation(event: APIGatewayProxyEventV2) {
  const request = validate(CalculationRequest, jsonBody(event));
  const calculationId = randomUUID();
  const published = await publisher.publish('calculation.requested', { calculationId, ...request });
  logger.info('Calculation requested', { calculationId, eventId: published.id });
  return json(
    202,
    { calculationId, status: 'pending' },
    { location: `/calculations/${calculationId}` },
  );
}

// A retried POST with the same Idempotency-Key gets the stored answer and publishes nothing;
// the same key with another body is refused (422). Requests without the header are not deduplicated.
const idempotentRequestCalculation = middy(requestCalculation).use(
  makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.IDEMPOTENCY_TABLE,
      awsSdkV3Client: dynamoClient(),
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'headers."idempotency-key"',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: 24 * 60 * 60,
    }),
    keyPrefix: 'calculator-api',
  }),
);

export const handler = createHttpApi(
  [{ method: 'POST', path: '/calculations', handler: idempotentRequestCalculation }],
  logger,
);
