import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../events/cloud-event.ts';
import { currentContract } from '../events/registry.ts';
import { createConsumer } from './consumer.ts';
import { idempotencyTable } from './idempotency-table.ts';

// The consumer stack as a whole, fuzzed: a batch of any bodies (valid events, near-valid ones,
// garbage), with a handler that sometimes fails. Every record must end in exactly one of:
// handled, dead-lettered with a reason, or reported for retry — and a bad record never fails its
// batch-mates. AWS is mocked here (unit tier); the same stack runs against the emulator in
// test/integration/consumer.test.ts and under injected faults in the chaos tier.
const numRuns = Number(process.env.FUZZ_RUNS ?? (process.env.CI ? 200 : 1_000));
const sqs = mockClient(SQSClient);
const dynamo = mockClient(DynamoDBClient);
beforeEach(() => {
  sqs.reset();
  dynamo.reset();
  sqs.onAnyCommand().resolves({});
  dynamo.onAnyCommand().resolves({}); // idempotency: no record yet, every write accepted
});

const valid = () =>
  JSON.stringify(
    buildCloudEvent(
      currentContract('calculation.requested'),
      { calculationId: randomUUID(), operation: 'add', a: '1', b: '2' },
      'fuzz',
    ),
  );
const body = fc.oneof(
  fc.constant(null).map(valid),
  fc.string(),
  fc.json(),
  fc.constant(null).map(() => valid().replace('"add"', '"modulo"')),
);

const idOf = (body: string): string | undefined => {
  try {
    const id = JSON.parse(body)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
};

const context = {
  getRemainingTimeInMillis: () => 30_000,
  functionName: 'fuzz',
  awsRequestId: 'r',
} as Context;

describe('createConsumer (fuzz)', () => {
  it('accounts for every record of any batch: handled, dead-lettered or retried, alone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ body, fails: fc.boolean() }), { minLength: 1, maxLength: 10 }),
        async (batch) => {
          sqs.resetHistory();
          const handled = new Set<string>();
          const failingIds = new Set<string>(); // valid events whose handler throws (transient)
          const records = batch.map(({ body, fails }, i) => {
            const id = idOf(body);
            if (fails && id) failingIds.add(id);
            return {
              messageId: `m${i}`,
              receiptHandle: `h${i}`,
              body,
              attributes: { ApproximateReceiveCount: '1' },
              messageAttributes: {},
              eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:fuzz',
            } as unknown as SQSRecord;
          });
          const handler = createConsumer({
            name: 'fuzz',
            accepts: ['calculation.requested'],
            idempotency: idempotencyTable,
            logger: new Logger({ logLevel: 'SILENT' }),
            config: {
              SERVICE_NAME: 'fuzz',
              DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/fuzz-dlq',
              IDEMPOTENCY_TABLE: 'idempotency',
              IDEMPOTENCY_TTL_SECONDS: 60,
              RETRY_BASE_DELAY_SECONDS: 1,
              RETRY_MAX_DELAY_SECONDS: 4,
              MAX_RECEIVE_COUNT: 4,
            },
            handle: (event) => {
              if (failingIds.has(event.id)) throw new Error('transient');
              handled.add(event.id);
            },
          });
          const { batchItemFailures } = await handler({ Records: records }, context);
          const retried = new Set(batchItemFailures.map((f) => f.itemIdentifier));
          const deadLettered = new Set(
            sqs
              .commandCalls(SendMessageCommand)
              .map(
                (c) =>
                  c.args[0].input.MessageAttributes?.['failure.originalMessageId']?.StringValue,
              ),
          );
          for (const record of records) {
            const id = idOf(record.body);
            const outcomes = [
              retried.has(record.messageId),
              deadLettered.has(record.messageId),
              id !== undefined && handled.has(id),
            ].filter(Boolean).length;
            expect(outcomes, record.body).toBe(1);
          }
          for (const call of sqs.commandCalls(SendMessageCommand))
            expect(
              call.args[0].input.MessageAttributes?.['failure.code']?.StringValue,
            ).toBeTruthy();
        },
      ),
      { numRuns },
    );
  }, 300_000);
});
