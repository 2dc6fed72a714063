import {
  EventType as BatchEventType,
  BatchProcessor,
  processPartialResponse,
} from '@aws-lambda-powertools/batch';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventOf, EventType } from '../events/registry.ts';
import { dynamoClient } from './aws/clients.ts';
import { type ConsumerConfig, consumerConfigShape, loadConfig } from './config.ts';
import { runInEventScope } from './event-scope.ts';
import { createLogger } from './logger.ts';
import { classifyFailures } from './middleware/classify-failures.ts';
import { parseCloudEvent } from './middleware/parse-cloud-event.ts';
import { recordContext } from './middleware/record-context.ts';

export interface ConsumerOptions<T extends EventType> {
  /** Consumer name: idempotency keys and dead-letter reasons are per consumer. */
  name: string;
  /** Event types handled; must match the queue's filter policy. */
  accepts: readonly T[];
  /** Handle one validated event. Throw PermanentError for what can never succeed. */
  handle: (event: EventOf<T>, context: Context) => Promise<unknown> | unknown;
  /** Defaults to the environment (parsed once, at cold start). */
  config?: ConsumerConfig;
  logger?: Logger;
}

/**
 * Wrap a function of one validated event into an SQS batch Lambda handler.
 *
 * Per invocation: Powertools logger context, then Powertools batch processing (records one after
 * another, so log keys and event lineage are per record) answering `batchItemFailures`.
 * Per record, a Middy pipeline: parse & validate → log context → classify failures (permanent →
 * DLQ now, transient → retry) → Powertools idempotency (consumer + event id, in DynamoDB).
 */
export function createConsumer<T extends EventType>(options: ConsumerOptions<T>) {
  const config = options.config ?? loadConfig(consumerConfigShape);
  const logger = options.logger ?? createLogger(config.SERVICE_NAME);

  const handleRecord = middy(async (event: EventOf<T>, context: Context) => {
    const result = await runInEventScope(event, () => options.handle(event, context));
    return result ?? { handled: true };
  })
    .use(parseCloudEvent({ accepts: options.accepts }))
    .use(recordContext({ logger }))
    .use(
      classifyFailures({
        consumer: options.name,
        deadLetterQueueUrl: config.DEAD_LETTER_QUEUE_URL,
        logger,
      }),
    )
    .use(
      makeHandlerIdempotent({
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: config.IDEMPOTENCY_TABLE,
          awsSdkV3Client: dynamoClient(),
        }),
        config: new IdempotencyConfig({
          eventKeyJmesPath: 'id',
          throwOnNoIdempotencyKey: true,
          expiresAfterSeconds: config.IDEMPOTENCY_TTL_SECONDS,
        }),
        keyPrefix: options.name,
      }),
    );

  const processor = new BatchProcessor(BatchEventType.SQS);
  return middy(
    (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      processPartialResponse(
        event,
        // biome-ignore lint/suspicious/noExplicitAny: the pipeline swaps the SQS record for its CloudEvent
        (record: SQSRecord) => handleRecord(record as any, context),
        processor,
        { context, processInParallel: false, throwOnFullBatchFailure: false },
      ),
  ).use(injectLambdaContext(logger, { resetKeys: true }));
}
