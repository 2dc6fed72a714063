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
}

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

/**
 * Middy middleware (onError only). A transiently failed record would otherwise come back after
 * the queue's whole visibility timeout (≥ 6× the function timeout); this sets its visibility to
 * an exponential backoff with jitter instead (nextDelaySeconds), so the first retries come soon
 * and later ones spread out.
 * If that call fails, the queue's own visibility timeout applies: the record is never lost.
 */
export const retryBackoff = (options: RetryBackoffOptions): MiddlewareObj => {
  const { baseDelaySeconds, maxDelaySeconds, logger } = options;
  return {
    onError: async (request) => {
      // Dead-lettered already (it runs after classifyFailures), or never coming back.
      if (request.response !== undefined || classifyFailure(request.error).permanent) return;
      const record = recordOf(request) ?? (request.event as SQSRecord);
      const attempt = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      const delay = nextDelaySeconds(request.error, attempt, {
        base: baseDelaySeconds,
        max: maxDelaySeconds,
        random: options.random,
      });
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
