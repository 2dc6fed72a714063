import { RetryLaterError } from './errors.ts';
import { nextDelaySeconds, visibilityLeftSeconds } from './middleware/retry-backoff.ts';

/** A consumer's retry settings, as its `custom.consumers` entry declares them. */
export interface RetryConfig {
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** The queue's redrive maxReceiveCount: the last receive dead-letters. */
  maxReceiveCount: number;
}

/** What the schedule depends on besides the config. */
export interface QueueModel {
  /** The queue's visibility timeout: how long a receive hides the record when nothing changes it. */
  visibilityTimeoutSeconds: number;
  /** How long each receive runs before it fails (at most the function timeout); 0 by default. */
  handlingSeconds?: number;
  /** The jitter's draw in [0, 1), as retryBackoff takes it; 0 (none) by default. */
  random?: () => number;
  /** A Retry-After every failure carries (Infinity: the longest any receiver could ask for). */
  retryAfterSeconds?: number;
}

export interface Receive {
  receive: number;
  /** Seconds since the first receive. */
  atSeconds: number;
  /** The visibility set when it failed; undefined on the last receive, or when SQS allows none. */
  delaySeconds?: number;
}

export interface SqsRetrySchedule {
  receives: Receive[];
  /** Seconds from the first receive to the end of the last, when the record is dead-lettered. */
  totalSeconds: number;
}

/**
 * The schedule SQS really runs for a retry config: retryBackoff's delays, each bounded by what
 * remains of the 12 h SQS allows since the first receive; once those are spent, every receive
 * hides the record for the queue's own visibility timeout.
 */
export function sqsRetrySchedule(retry: RetryConfig, queue: QueueModel): SqsRetrySchedule {
  const { visibilityTimeoutSeconds, handlingSeconds = 0, random = () => 0 } = queue;
  const failure =
    queue.retryAfterSeconds === undefined
      ? new Error('transient')
      : new RetryLaterError('busy', queue.retryAfterSeconds);
  const receives: Receive[] = [];
  let at = 0;
  for (let receive = 1; receive < retry.maxReceiveCount; receive++) {
    const failedAt = at + handlingSeconds;
    const wanted = nextDelaySeconds(failure, receive, {
      base: retry.baseDelaySeconds,
      max: retry.maxDelaySeconds,
      random,
    });
    const left = visibilityLeftSeconds(failedAt);
    const delaySeconds = left === 0 ? undefined : Math.min(wanted, left);
    receives.push({ receive, atSeconds: at, delaySeconds });
    at =
      delaySeconds === undefined
        ? Math.max(failedAt, at + visibilityTimeoutSeconds)
        : failedAt + delaySeconds;
  }
  receives.push({ receive: retry.maxReceiveCount, atSeconds: at });
  return { receives, totalSeconds: at + handlingSeconds };
}
