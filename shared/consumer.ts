import {
  EventType as BatchEventType,
  BatchProcessor,
  processPartialResponse,
} from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventOf, EventType } from '../events/registry.ts';
import { ConfigError, type ConsumerConfig, consumerConfigShape, loadConfig } from './config.ts';
import { currentEvent, runInRecordScope } from './event-scope.ts';
import { createLogger } from './logger.ts';
import { OutcomeTally } from './metrics.ts';
import { classifyFailures, type DeadLettered } from './middleware/classify-failures.ts';
import { invocationsDied, receivedPastSchedule } from './middleware/invocations-died.ts';
import { parseCloudEvent, parseRecordBody } from './middleware/parse-cloud-event.ts';
import { recordContext } from './middleware/record-context.ts';
import { retryBackoff } from './middleware/retry-backoff.ts';
import { timeLeft } from './middleware/time-left.ts';
import { tracingMiddleware } from './tracing.ts';

/** How the event arrived: the Lambda context, the SQS record, which attempt this is. */
export interface Delivery {
  context: Context;
  record: SQSRecord;
  /** 1 on first delivery; SQS's ApproximateReceiveCount. */
  attempt: number;
}

type RecordContext = Context & { sqsRecord: SQSRecord };

export interface ConsumerOptions<T extends EventType> {
  /** Consumer name: idempotency keys and dead-letter reasons are per consumer. */
  name: string;
  /** Event types handled; must match the queue's filter policy. */
  accepts: readonly T[];
  /** Handle one validated event. Throw PermanentError for what can never succeed. */
  handle: (event: EventOf<T>, delivery: Delivery) => Promise<unknown> | unknown;
  /**
   * How a duplicate delivery is kept from having a second effect; every consumer says which.
   * - `idempotencyTable` (shared/idempotency-table.ts): a Powertools idempotency record per
   *   consumer and event id, in DynamoDB. The safe choice when unsure.
   * - `'handler'`: the handler's own effects are idempotent — conditional writes, events
   *   published with ids derived from the handled one (deduplicated downstream) — so no record
   *   is kept: two DynamoDB calls fewer per event, and no Idempotency library in the bundle.
   * Declare the same in `custom.consumers` (`idempotency: table | handler`): the role follows.
   */
  idempotency: 'handler' | IdempotencyRecords;
  /** Handle the records of a batch at the same time (default); false: one after another. */
  concurrent?: boolean;
  /** Defaults to the environment (parsed once, at cold start). */
  config?: ConsumerConfig;
  logger?: Logger;
}

/** Keeps one record per consumer and event id: `idempotencyTable` (shared/idempotency-table.ts). */
export interface IdempotencyRecords {
  readonly kind: 'table';
  wrap<TEvent extends { id: string }, TContext, TResult>(
    fn: (event: TEvent, context: TContext) => Promise<TResult>,
    options: { tableName: string; expiresAfterSeconds: number; keyPrefix: string },
  ): (event: TEvent, context: TContext) => Promise<TResult>;
}

/**
 * Wrap a function of one validated event into an SQS batch Lambda handler.
 *
 * Per invocation: Powertools logger context, then Powertools batch processing (records at the
 * same time, each in its own async scope, so log keys and event lineage stay per record)
 * answering `batchItemFailures`.
 * Per record, a Middy pipeline: parse & validate → record scope → classify failures (permanent →
 * DLQ now, transient → retry with backoff) → Powertools idempotency (consumer + event id, in
 * DynamoDB), unless the handler declares itself idempotent.
 * Per invocation, one EMF metrics document per event type: events handled, retried,
 * dead-lettered and duplicates suppressed (shared/metrics.ts).
 */
export function createConsumer<T extends EventType>(options: ConsumerOptions<T>) {
  const config = options.config ?? loadConfig(consumerConfigShape);
  const logger = options.logger ?? createLogger(config.SERVICE_NAME);
  const records = options.idempotency === 'handler' ? undefined : options.idempotency;
  const idempotency = records ? records.kind : 'handler';
  if (records && !config.IDEMPOTENCY_TABLE) {
    throw new ConfigError(
      `Invalid configuration: environment variable IDEMPOTENCY_TABLE (required by consumer "${options.name}", which keeps idempotency records)`,
    );
  }

  // Records whose handler ran in this invocation: one that ends handled without it was answered
  // from its idempotency record, a duplicate suppressed.
  const ran = new WeakSet<SQSRecord>();
  const handleEvent = async (event: EventOf<T>, context: RecordContext) => {
    const { sqsRecord: record, ...lambdaContext } = context;
    ran.add(record);
    const delivery: Delivery = {
      context: lambdaContext as Context,
      record,
      attempt: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    };
    await options.handle(event, delivery);
    // Stored by idempotency as the record's outcome: a marker, not whatever `handle` returned.
    return { handled: true };
  };
  const idempotentEvent = records
    ? records.wrap(handleEvent, {
        tableName: config.IDEMPOTENCY_TABLE as string,
        expiresAfterSeconds: config.IDEMPOTENCY_TTL_SECONDS,
        keyPrefix: options.name,
      })
    : handleEvent;

  const handleRecord = middy(idempotentEvent)
    .use(invocationsDied({ maxReceiveCount: config.MAX_RECEIVE_COUNT }))
    .use(parseCloudEvent({ accepts: options.accepts }))
    .use(timeLeft({ secondsPerRecord: config.SECONDS_PER_RECORD }))
    .use(recordContext())
    // onError runs bottom-up: classifyFailures dead-letters what must not come back, then
    // retryBackoff schedules the retry of what may.
    .use(
      retryBackoff({
        baseDelaySeconds: config.RETRY_BASE_DELAY_SECONDS,
        maxDelaySeconds: config.RETRY_MAX_DELAY_SECONDS,
        logger,
      }),
    )
    .use(
      classifyFailures({
        consumer: options.name,
        deadLetterQueueUrl: config.DEAD_LETTER_QUEUE_URL,
        maxReceiveCount: config.MAX_RECEIVE_COUNT,
        logger,
      }),
    );

  const concurrent = options.concurrent ?? true;
  /** Dead-lettered without any work: poison, or a record past its last scheduled receive. */
  const needsNoWork = (record: SQSRecord) => {
    if (receivedPastSchedule(record, config.MAX_RECEIVE_COUNT)) return true;
    try {
      parseRecordBody(record.body, options.accepts);
      return false;
    } catch {
      return true;
    }
  };
  /**
   * One after another, those go first: nothing in the batch can use up the invocation's time
   * before they are dead-lettered with their reason (concurrent records all start at once).
   */
  const inOrder = (records: SQSRecord[]) => {
    if (concurrent) return records;
    const [first, rest]: [SQSRecord[], SQSRecord[]] = [[], []];
    for (const record of records) (needsNoWork(record) ? first : rest).push(record);
    return [...first, ...rest];
  };

  const processor = new BatchProcessor(BatchEventType.SQS);
  const handler = middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const outcomes = new OutcomeTally();
    try {
      return await processPartialResponse(
        { Records: inOrder(event.Records) },
        (record: SQSRecord) =>
          runInRecordScope(async () => {
            // Named by its accepted type once parsed; what never parsed has no type to trust.
            const typeOf = () => currentEvent()?.type ?? 'unparsed';
            try {
              // The pipeline swaps the SQS record for its CloudEvent, so its declared event type is the latter.
              const result = (await handleRecord(record as never, {
                ...context,
                getRemainingTimeInMillis: () => context.getRemainingTimeInMillis(),
                sqsRecord: record,
              })) as { handled: true } | DeadLettered;
              outcomes.add(
                typeOf(),
                'deadLettered' in result
                  ? 'deadLettered'
                  : ran.has(record)
                    ? 'handled'
                    : 'duplicate',
              );
              return result;
            } catch (error) {
              outcomes.add(typeOf(), 'retried');
              throw error;
            }
          }),
        processor,
        {
          context,
          processInParallel: concurrent,
          throwOnFullBatchFailure: false,
        },
      );
    } finally {
      outcomes.publish(config.SERVICE_NAME, options.name);
    }
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(tracingMiddleware());
  // What it consumes, for checks against events/topology.json and the queue's filter policy, and
  // how it takes a batch (npm run bench's bare handler takes it the same way).
  return Object.assign(handler, {
    consumer: {
      name: options.name,
      accepts: options.accepts,
      idempotency,
      concurrent,
    },
  });
}
