import type { MiddlewareObj } from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { PermanentError } from '../errors.ts';
import { rememberRecord } from './sqs-record.ts';

export interface InvocationsDiedOptions {
  /** The consumer's last scheduled receive; its queue allows one more (the safety net). */
  maxReceiveCount?: number;
}

/** A record received after the consumer's last scheduled receive: see `invocationsDied`. */
export const receivedPastSchedule = (record: SQSRecord, maxReceiveCount?: number): boolean =>
  maxReceiveCount !== undefined &&
  Number(record.attributes?.ApproximateReceiveCount ?? 1) > maxReceiveCount;

/**
 * Middy middleware (before only), first in a record's pipeline. A queue lets a record be received
 * once more than its consumer's retry schedule (scripts/serverless/consumer-resources.ts). A record
 * seen on that extra receive was never handled nor dead-lettered on its last scheduled one: the
 * invocation ended first (its timeout, a crash). It is dead-lettered at once with that reason,
 * before anything can time out on it again — so SQS's own redrive, which moves a message without
 * a word, is left only the case where even this invocation dies.
 */
export const invocationsDied = ({ maxReceiveCount }: InvocationsDiedOptions): MiddlewareObj => ({
  before: (request) => {
    const record = request.event as SQSRecord;
    if (!receivedPastSchedule(record, maxReceiveCount)) return;
    rememberRecord(request, record);
    throw new PermanentError(
      'INVOCATIONS_DIED',
      `Received ${record.attributes.ApproximateReceiveCount} times: the invocation that had it on its last scheduled receive (${maxReceiveCount}) ended — a timeout or a crash — before it was handled or dead-lettered; the logs of that invocation say why`,
    );
  },
});
