import { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, RetryLaterError } from '../errors.ts';
import { nextDelaySeconds, retryBackoff, retryDelaySeconds } from './retry-backoff.ts';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const record = (attempt: number, queue = 'orders') =>
  ({
    messageId: 'm-1',
    receiptHandle: 'rh-1',
    eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${queue}`,
    attributes: { ApproximateReceiveCount: String(attempt) },
  }) as unknown as SQSRecord;

const failWith = (error: unknown) =>
  middy(() => {
    throw error;
  }).use(
    retryBackoff({
      baseDelaySeconds: 10,
      maxDelaySeconds: 60,
      logger: new Logger({ logLevel: 'SILENT' }),
      sqs: new SQSClient({}),
      random: () => 0.5,
    }),
  );

beforeEach(() => {
  sqs.reset();
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: queueUrl });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
});

describe('retryDelaySeconds', () => {
  it.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [4, 60],
    [9, 60],
  ])('attempt %i waits %i s', (attempt, delay) => {
    expect(retryDelaySeconds(attempt, 10, 60)).toBe(delay);
  });
});

describe('nextDelaySeconds', () => {
  const bounds = { base: 10, max: 60 };
  it('jitters above the backoff, up to half of it again, never past the cap', () => {
    expect(nextDelaySeconds(new Error('x'), 2, { ...bounds, random: () => 0 })).toBe(20);
    expect(nextDelaySeconds(new Error('x'), 2, { ...bounds, random: () => 0.999 })).toBe(30);
    expect(nextDelaySeconds(new Error('x'), 3, { ...bounds, random: () => 0.999 })).toBe(60);
  });

  it.each([
    [30, 30],
    [1, 10], // never sooner than the schedule's base
    [86_400, 60], // never later than its cap
  ])('honours a Retry-After of %i s as %i s', (hint, delay) => {
    expect(nextDelaySeconds(new RetryLaterError('busy', hint), 1, bounds)).toBe(delay);
  });
});

describe('retryBackoff', () => {
  it('makes a transiently failed record visible again after the backoff, and keeps it failed', async () => {
    await expect(failWith(new Error('timeout'))(record(2) as never, {} as never)).rejects.toThrow(
      'timeout',
    );
    expect(sqs.commandCalls(GetQueueUrlCommand)[0]?.args[0].input).toEqual({
      QueueName: 'orders',
      QueueOwnerAWSAccountId: '123456789012',
    });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: queueUrl,
      ReceiptHandle: 'rh-1',
      VisibilityTimeout: 25, // attempt 2: 20 s backoff, jittered within [20, 30]
    });
  });

  it('leaves permanent failures alone (they go to the DLQ, not back to the queue)', async () => {
    await expect(
      failWith(new PermanentError('BAD', 'bad'))(record(1) as never, {} as never),
    ).rejects.toThrow();
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('still reports the record failed when the visibility change fails', async () => {
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('throttled'));
    await expect(
      failWith(new Error('timeout'))(record(1, 'other') as never, {} as never),
    ).rejects.toThrow('timeout');
  });
});
