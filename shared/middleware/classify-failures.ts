import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MiddlewareObj } from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { sqsClient } from '../aws/clients.ts';
import { classifyFailure, type FailureReason } from '../errors.ts';
import { recordOf } from './sqs-record.ts';

export interface ClassifyFailuresOptions {
  /** Consumer name, written on every dead-lettered message. */
  consumer: string;
  deadLetterQueueUrl: string;
  logger: Logger;
  /**
   * The queue's redrive `maxReceiveCount`. On that last receive a transient failure is
   * dead-lettered by us, with its reason, instead of silently by SQS's redrive.
   */
  maxReceiveCount?: number;
  sqs?: SQSClient;
}

/** What the record pipeline answers for a record it dead-lettered (the batch counts it handled). */
export interface DeadLettered {
  deadLettered: true;
  code: string;
}

const MAX_ATTRIBUTE_CHARS = 1024;

const text = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value.slice(0, MAX_ATTRIBUTE_CHARS) || '-',
});

/** The DLQ message keeps the original body and says why it is there. */
function deadLetterAttributes(record: SQSRecord, reason: FailureReason, consumer: string) {
  const attributes: Record<string, MessageAttributeValue> = {
    'failure.code': text(reason.code),
    'failure.message': text(reason.message),
    'failure.consumer': text(consumer),
    'failure.originalMessageId': text(record.messageId),
    'failure.attempts': text(record.attributes?.ApproximateReceiveCount ?? '1'),
    'failure.time': text(new Date().toISOString()),
  };
  // Its type and source, and how often an operator's redrive put it back (it failed again).
  for (const name of ['type', 'source', 'redrive.count']) {
    const value = record.messageAttributes?.[name];
    if (value?.stringValue)
      attributes[name] = { ...text(value.stringValue), DataType: value.dataType ?? 'String' };
  }
  return attributes;
}

/**
 * Middy middleware (onError only). A permanent failure is sent to the DLQ at once, with its
 * reason, and the record counts as handled so it burns no retries. Anything else is left thrown:
 * the batch reports the record in `batchItemFailures` and SQS redelivers it — until its last
 * receive (`maxReceiveCount`), when it is dead-lettered with its reason too. If the DLQ send
 * itself fails, the record is reported failed — retried, or redriven by SQS, rather than lost.
 */
export const classifyFailures = (options: ClassifyFailuresOptions): MiddlewareObj => {
  const { consumer, deadLetterQueueUrl, logger } = options;
  return {
    onError: async (request) => {
      const reason = classifyFailure(request.error);
      const record = recordOf(request) ?? (request.event as SQSRecord);
      const attempt = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      const details = { messageId: record.messageId, failure: reason, consumer, attempt };
      const exhausted = options.maxReceiveCount !== undefined && attempt >= options.maxReceiveCount;
      if (!reason.permanent && !exhausted) {
        logger.warn('Transient failure: the record returns to its queue for a retry', details);
        return;
      }
      try {
        await (options.sqs ?? sqsClient()).send(
          new SendMessageCommand({
            QueueUrl: deadLetterQueueUrl,
            MessageBody: record.body,
            MessageAttributes: deadLetterAttributes(record, reason, consumer),
          }),
        );
      } catch (error) {
        logger.error('Could not dead-letter a failure; it will be retried instead', {
          ...details,
          error,
        });
        return;
      }
      logger.error(
        reason.permanent
          ? 'Permanent failure: record sent to the dead-letter queue'
          : 'Retries exhausted: record sent to the dead-letter queue',
        details,
      );
      request.response = { deadLettered: true, code: reason.code } satisfies DeadLettered;
    },
  };
};
