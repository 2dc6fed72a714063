import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ChangeMessageVisibilityCommand,
  GetQueueUrlCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MiddlewareObj } from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { sqsClient } from '../aws/clients.ts';
import { classifyFailure, RetryLaterError } from '../errors.ts';
import { recordOf } from './sqs-record.ts';

export interface RetryBackoffOptions {
  /** Delay before the first retry; doubles with every further receive. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  logger: Logger;
  sqs?: SQSClient;
  /** A number in [0, 1); tests fix it. */
  random?: () => number;
  /** Milliseconds since the epoch; tests fix it. */
  now?: () => number;
}

/** SQS refuses a visibility timeout reaching past 12 h after the message's first receive. */
export const SQS_VISIBILITY_LIMIT_SECONDS = 43_200;
/** Kept back from those 12 h: the first receive's timestamp is approximate, clocks differ. */
export const VISIBILITY_MARGIN_SECONDS = 60;

/** How long a visibility timeout set `elapsedSeconds` after the first receive may last (≥ 0). */
export const visibilityLeftSeconds = (elapsedSeconds: number): number =>
  Math.max(
    0,
    Math.floor(SQS_VISIBILITY_LIMIT_SECONDS - VISIBILITY_MARGIN_SECONDS - elapsedSeconds),
  );

/** Exponential backoff by receive count: base, 2×base, 4×base … capped at max. */
export const retryDelaySeconds = (attempt: number, base: number, max: number): number =>
  Math.min(max, base * 2 ** Math.max(0, attempt - 1));

/**
 * The delay before the next receive: the failure's own hint (RetryLaterError, e.g. a webhook's
 * Retry-After) kept within [base, max], or the backoff plus up to half of it again (capped at
 * max), so records that failed together (a receiver's outage) do not come back together. Jitter
 * only adds: a schedule never ends sooner than its backoffs add up to.
 */
export function nextDelaySeconds(
  error: unknown,
  attempt: number,
  { base, max, random = Math.random }: { base: number; max: number; random?: () => number },
): number {
  if (error instanceof RetryLaterError && error.retryAfterSeconds !== undefined)
    return Math.ceil(Math.min(max, Math.max(base, error.retryAfterSeconds)));
  const backoff = retryDelaySeconds(attempt, base, max);
  return Math.ceil(Math.min(max, backoff * (1 + random() / 2)));
}

const queueUrls = new Map<string, Promise<string | undefined>>();

function queueUrlOf(sqs: SQSClient, queueArn: string): Promise<string | undefined> {
  let url = queueUrls.get(queueArn);
  if (!url) {
    const [, , , , account, name] = queueArn.split(':');
    url = sqs
      .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
      .then((r) => r.QueueUrl);
    queueUrls.set(queueArn, url);
  }
  return url;
}

/** Seconds since the record's first receive (0 when SQS did not say). */
function elapsedSeconds(record: SQSRecord, now: number): number {
  const first = Number(record.attributes?.ApproximateFirstReceiveTimestamp);
  return Number.isFinite(first) ? Math.max(0, (now - first) / 1000) : 0;
}

/**
 * Middy middleware (onError only). A transiently failed record would otherwise come back after
 * the queue's whole visibility timeout (≥ 6× the function timeout); this sets its visibility to
 * an exponential backoff with jitter instead (nextDelaySeconds), so the first retries come soon
 * and later ones spread out — within what remains of the 12 h SQS allows since the first receive
 * (SQS refuses more). Once nothing remains, or if the call fails, the queue's own visibility
 * timeout applies from this receive: the record is never lost, and comes back after it.
 */
export const retryBackoff = (options: RetryBackoffOptions): MiddlewareObj => {
  const { baseDelaySeconds, maxDelaySeconds, logger, now = Date.now } = options;

  /** The backoff within what SQS still allows; undefined once the 12 h are spent. */
  function delayOf(error: unknown, record: SQSRecord, attempt: number): number | undefined {
    const wanted = nextDelaySeconds(error, attempt, {
      base: baseDelaySeconds,
      max: maxDelaySeconds,
      random: options.random,
    });
    const left = visibilityLeftSeconds(elapsedSeconds(record, now()));
    if (left === 0) {
      logger.info('12 h since the first receive are spent: the queue visibility timeout applies', {
        messageId: record.messageId,
        attempt,
      });
      return undefined;
    }
    const delay = Math.min(wanted, left);
    const hint = error instanceof RetryLaterError ? error.retryAfterSeconds : undefined;
    if (hint !== undefined && hint > delay) {
      logger.warn('Retry-After longer than this retry may wait: retrying sooner', {
        messageId: record.messageId,
        retryAfterSeconds: hint,
        retryInSeconds: delay,
        bound: delay < wanted ? '12 h since the first receive (SQS)' : 'maxDelaySeconds',
      });
    }
    return delay;
  }

  return {
    onError: async (request) => {
      // Dead-lettered already (it runs after classifyFailures), or never coming back.
      if (request.response !== undefined || classifyFailure(request.error).permanent) return;
      const record = recordOf(request) ?? (request.event as SQSRecord);
      const attempt = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      const delay = delayOf(request.error, record, attempt);
      if (delay === undefined) return;
      const sqs = options.sqs ?? sqsClient();
      try {
        const queueUrl = await queueUrlOf(sqs, record.eventSourceARN);
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: delay,
          }),
        );
        logger.info('Retry scheduled', {
          messageId: record.messageId,
          attempt,
          retryInSeconds: delay,
        });
      } catch (error) {
        queueUrls.delete(record.eventSourceARN);
        logger.warn('Could not shorten the retry delay; the queue visibility timeout applies', {
          error,
        });
      }
    },
  };
};
