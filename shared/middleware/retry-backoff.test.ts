import { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { PermanentError, RetryLaterError } from '../errors.ts';
import {
  nextDelaySeconds,
  retryBackoff,
  retryDelaySeconds,
  visibilityLeftSeconds,
} from './retry-backoff.ts';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const NOW = Date.UTC(2026, 0, 1);
const HOUR = 3600;
const record = (attempt: number, queue = 'orders', firstReceivedSecondsAgo = 60) =>
  ({
    messageId: 'm-1',
    receiptHandle: 'rh-1',
    eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${queue}`,
    attributes: {
      ApproximateReceiveCount: String(attempt),
      ApproximateFirstReceiveTimestamp: String(NOW - firstReceivedSecondsAgo * 1000),
    },
  }) as unknown as SQSRecord;

const failWith = (
  error: unknown,
  maxDelaySeconds = 60,
  logger = new Logger({ logLevel: 'SILENT' }),
) =>
  middy(() => {
    throw error;
  }).use(
    retryBackoff({
      baseDelaySeconds: 10,
      maxDelaySeconds,
      logger,
      sqs: new SQSClient({}),
      random: () => 0.5,
      now: () => NOW,
    }),
  );
const visibilitySet = () =>
  sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout);

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

describe('visibilityLeftSeconds', () => {
  it.each([
    [0, 12 * HOUR - 60],
    [11 * HOUR, HOUR - 60],
    [12 * HOUR - 60, 0],
    [13 * HOUR, 0],
  ])(
    '%i s after the first receive leaves %i s (12 h less a minute, never below 0)',
    (elapsed, left) => {
      expect(visibilityLeftSeconds(elapsed)).toBe(left);
    },
  );
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

  it('never sets a visibility reaching past 12 h after the first receive, which SQS refuses', async () => {
    const failing = failWith(new Error('down'), 12 * HOUR);
    await failing(record(14, 'orders', 11.5 * HOUR) as never, {} as never).catch(() => {});
    expect(visibilitySet()).toEqual([30 * 60 - 60]); // the half hour left, less the margin
  });

  it('leaves the queue visibility timeout to bring the record back once the 12 h are spent', async () => {
    const failing = failWith(new Error('down'), 12 * HOUR);
    await expect(failing(record(15, 'orders', 12 * HOUR) as never, {} as never)).rejects.toThrow(
      'down',
    );
    expect(visibilitySet()).toEqual([]);
  });

  it('bounds a Retry-After longer than the 12 h allow, and says so in the log', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const warn = vi.spyOn(logger, 'warn');
    const failing = failWith(new RetryLaterError('busy', 24 * HOUR), 12 * HOUR, logger);
    await failing(record(1, 'orders', 60) as never, {} as never).catch(() => {});
    expect(visibilitySet()).toEqual([12 * HOUR - 120]);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/Retry-After/),
      expect.objectContaining({
        retryAfterSeconds: 24 * HOUR,
        retryInSeconds: 12 * HOUR - 120,
        bound: expect.stringMatching(/12 h/),
      }),
    );
  });
});
