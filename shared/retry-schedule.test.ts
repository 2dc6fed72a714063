import { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RetryLaterError } from './errors.ts';
import { retryBackoff } from './middleware/retry-backoff.ts';
import { type QueueModel, type RetryConfig, sqsRetrySchedule } from './retry-schedule.ts';

// The schedule SQS really runs, computed (sqsRetrySchedule) and played out: retryBackoff's
// visibility changes against a fake queue that, like SQS, refuses a visibility reaching past 12 h
// after the message's first receive.
const HOUR = 3600;
const webhookRetry = { baseDelaySeconds: 5, maxDelaySeconds: 43_200, maxReceiveCount: 15 };
// The notifier's queue: visibility 6× its 40 s function timeout.
const notifierQueue = { visibilityTimeoutSeconds: 240 };
const sqs = mockClient(SQSClient);

/** One message on a queue with SQS's rule for ChangeMessageVisibility. */
class FakeQueue {
  nowMs = Date.UTC(2026, 0, 1);
  readonly refused: number[] = [];
  private firstReceiveMs = Number.NaN;
  private visibleAtMs = this.nowMs;
  private receives = 0;
  constructor(private readonly visibilityTimeoutSeconds: number) {}

  receive(): SQSRecord {
    this.nowMs = Math.max(this.nowMs, this.visibleAtMs);
    if (Number.isNaN(this.firstReceiveMs)) this.firstReceiveMs = this.nowMs;
    this.receives++;
    this.visibleAtMs = this.nowMs + this.visibilityTimeoutSeconds * 1000;
    return {
      messageId: 'm-1',
      receiptHandle: `rh-${this.receives}`,
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:notifier',
      attributes: {
        ApproximateReceiveCount: String(this.receives),
        ApproximateFirstReceiveTimestamp: String(this.firstReceiveMs),
      },
    } as unknown as SQSRecord;
  }

  changeVisibility(seconds: number): void {
    if (this.nowMs + seconds * 1000 > this.firstReceiveMs + 43_200_000) {
      this.refused.push(seconds);
      throw Object.assign(
        new Error(
          `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds].`,
        ),
        { name: 'InvalidParameterValue' },
      );
    }
    this.visibleAtMs = this.nowMs + seconds * 1000;
  }

  get secondsSinceFirstReceive(): number {
    return (this.nowMs - this.firstReceiveMs) / 1000;
  }
}

/** Every receive fails with `failure` until the last, which dead-letters. */
async function playOut(retry: RetryConfig, model: QueueModel, failure: Error) {
  const queue = new FakeQueue(model.visibilityTimeoutSeconds);
  sqs.on(ChangeMessageVisibilityCommand).callsFake((input) => {
    queue.changeVisibility(input.VisibilityTimeout);
    return {};
  });
  const handle = middy(() => {
    throw failure;
  }).use(
    retryBackoff({
      baseDelaySeconds: retry.baseDelaySeconds,
      maxDelaySeconds: retry.maxDelaySeconds,
      logger: new Logger({ logLevel: 'SILENT' }),
      sqs: new SQSClient({}),
      random: model.random,
      now: () => queue.nowMs,
    }),
  );
  const receivedAt: number[] = [];
  for (let receive = 1; receive <= retry.maxReceiveCount; receive++) {
    const record = queue.receive();
    receivedAt.push(queue.secondsSinceFirstReceive);
    queue.nowMs += (model.handlingSeconds ?? 0) * 1000;
    if (receive < retry.maxReceiveCount) await handle(record as never, {} as never).catch(() => {});
  }
  return { receivedAt, refused: queue.refused, totalSeconds: queue.secondsSinceFirstReceive };
}

beforeEach(() => {
  sqs.reset();
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs/notifier' });
});

describe('the webhook schedule on a queue with SQS’s 12 h rule', () => {
  it.each([
    ['no jitter, instant failures', { random: () => 0, handlingSeconds: 0 }],
    ['the most jitter, failures after 40 s', { random: () => 0.999_999, handlingSeconds: 40 }],
  ])('runs as sqsRetrySchedule computes, no visibility change refused (%s)', async (_, run) => {
    const model = { ...notifierQueue, ...run };
    const played = await playOut(webhookRetry, model, new Error('receiver down'));
    const computed = sqsRetrySchedule(webhookRetry, model);
    expect(played.refused).toEqual([]);
    expect(played.receivedAt).toEqual(computed.receives.map((r) => r.atSeconds));
    expect(played.totalSeconds).toBe(computed.totalSeconds);
  });

  it('retries a webhook over about 12 h (not the 23 h its delays add up to)', () => {
    for (const random of [() => 0, () => 0.999_999]) {
      const { totalSeconds } = sqsRetrySchedule(webhookRetry, { ...notifierQueue, random });
      expect(totalSeconds / HOUR).toBeGreaterThan(11.9);
      expect(totalSeconds / HOUR).toBeLessThan(12.1);
    }
  });

  it('bounds a Retry-After of a day by the 12 h, then the queue visibility timeout paces the rest', async () => {
    const model = { ...notifierQueue, retryAfterSeconds: 24 * HOUR };
    const played = await playOut(webhookRetry, model, new RetryLaterError('busy', 24 * HOUR));
    const computed = sqsRetrySchedule(webhookRetry, model);
    expect(played.refused).toEqual([]);
    expect(played.receivedAt).toEqual(computed.receives.map((r) => r.atSeconds));
    expect(played.receivedAt[1]).toBe(12 * HOUR - 60); // the 12 h less the safety margin
    expect(played.receivedAt[2]).toBe(12 * HOUR - 60 + 240);
    expect(computed.totalSeconds).toBe(12 * HOUR - 60 + 13 * 240);
  });
});

describe('sqsRetrySchedule', () => {
  it('is the plain backoff while the 12 h are far off (shortRetry: 10 s → 5 min, 5 receives)', () => {
    const schedule = sqsRetrySchedule(
      { baseDelaySeconds: 10, maxDelaySeconds: 300, maxReceiveCount: 5 },
      { visibilityTimeoutSeconds: 60 },
    );
    expect(schedule.receives.map((r) => r.delaySeconds)).toEqual([10, 20, 40, 80, undefined]);
    expect(schedule.totalSeconds).toBe(150);
  });
});
