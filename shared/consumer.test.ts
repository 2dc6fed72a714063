import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../events/cloud-event.ts';
import { currentContract } from '../events/registry.ts';
import { ConfigError } from './config.ts';
import { createConsumer } from './consumer.ts';
import { idempotencyTable } from './idempotency-table.ts';

const config = {
  SERVICE_NAME: 'orders',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/orders-dlq',
  IDEMPOTENCY_TTL_SECONDS: 3600,
  RETRY_BASE_DELAY_SECONDS: 1,
  RETRY_MAX_DELAY_SECONDS: 60,
};

describe('createConsumer', () => {
  it('refuses to start without IDEMPOTENCY_TABLE when it keeps idempotency records', () => {
    const create = () =>
      createConsumer({
        name: 'orders',
        accepts: ['calculation.requested'],
        idempotency: idempotencyTable,
        config,
        handle: () => {},
      });
    expect(create).toThrowError(ConfigError);
    expect(create).toThrowError(/IDEMPOTENCY_TABLE .*"orders"/);
  });

  it('needs no table when the handler declares its own effects idempotent', () => {
    const handler = createConsumer({
      name: 'orders',
      accepts: ['calculation.requested'],
      idempotency: 'handler',
      config,
      handle: () => {},
    });
    expect(handler.consumer).toEqual({
      name: 'orders',
      accepts: ['calculation.requested'],
      idempotency: 'handler',
      concurrent: true,
    });
  });
});

describe('createConsumer: a backlog larger than the invocation', () => {
  const sqs = mockClient(SQSClient);
  const record = (body: string, receives = 1): SQSRecord =>
    ({
      messageId: randomUUID(),
      receiptHandle: 'r',
      body,
      attributes: { ApproximateReceiveCount: String(receives) },
      messageAttributes: {},
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders',
    }) as unknown as SQSRecord;
  const valid = () =>
    JSON.stringify(
      buildCloudEvent(
        currentContract('calculation.requested'),
        { calculationId: randomUUID(), operation: 'add', a: '1', b: '2' },
        'test',
      ),
    );
  const context = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'r' } as Context;
  const deadLettered = () =>
    sqs
      .commandCalls(SendMessageCommand)
      .map((c) => c.args[0].input.MessageAttributes?.['failure.code']?.StringValue);

  it('dead-letters poison and what died on its last receive first, one after another, before any work can time out', async () => {
    sqs.reset();
    sqs.onAnyCommand().resolves({});
    const handled: string[] = [];
    const handler = createConsumer({
      name: 'orders',
      accepts: ['calculation.requested'],
      idempotency: 'handler',
      concurrent: false,
      config: { ...config, MAX_RECEIVE_COUNT: 3 },
      logger: new Logger({ logLevel: 'SILENT' }),
      handle: (event) => {
        // By the time the first event is handled, nothing is left to dead-letter.
        handled.push(`${event.id} after ${deadLettered().length} dead-lettered`);
      },
    });
    const batch = [record(valid()), record('{not json'), record(valid(), 4), record(valid())];
    const response = await handler({ Records: batch }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLettered().sort()).toEqual(['INVOCATIONS_DIED', 'MALFORMED_MESSAGE']);
    expect(handled).toHaveLength(2);
    for (const line of handled) expect(line).toMatch(/after 2 dead-lettered$/);
  });

  it('starts no record without the time one may take: it is retried, not killed mid-effect', async () => {
    sqs.reset();
    sqs.onAnyCommand().resolves({});
    let left = 5_000;
    const tried: string[] = [];
    const handler = createConsumer({
      name: 'orders',
      accepts: ['calculation.requested'],
      idempotency: 'handler',
      concurrent: false,
      config: { ...config, MAX_RECEIVE_COUNT: 3, SECONDS_PER_RECORD: 2 },
      logger: new Logger({ logLevel: 'SILENT' }),
      handle: (event) => {
        tried.push(event.id);
        left -= 2_000; // each record uses the 2 s it may take
      },
    });
    const batch = [record(valid()), record(valid()), record(valid())];
    const response = await handler({ Records: batch }, {
      ...context,
      getRemainingTimeInMillis: () => left,
    } as Context);
    expect(tried).toHaveLength(2); // 5 s, 3 s left: tried; 1 s left: not
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch[2]?.messageId }]);
    expect(deadLettered()).toEqual([]);
  });
});
