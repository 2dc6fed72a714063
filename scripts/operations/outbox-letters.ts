// The dead letters of an outbox relay (scripts/serverless/tables.ts): when the relay's event
// source mapping gives up on a batch (its retries or the records' age spent), Lambda sends its
// on-failure destination a record that only points at the stream — the shard, the first and last
// sequence numbers, when they arrived — never the events. The events are still in the table: each
// outbox item stays 15 days (shared/outbox.ts) with the time it was written. A redrive reads the
// outbox items written in the failed batch's window and publishes each exactly as the relay
// would; consumers drop by id any it had already published.

import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { OUTBOX_KIND, type OutboxItem } from '../../shared/outbox.ts';
import { outboxPublish } from '../../shared/outbox-relay.ts';

/** What a DynamoDB stream event source's on-failure record says (Lambda's DDBStreamBatchInfo). */
export interface StreamFailure {
  /** RetryAttemptsExhausted, MaxRecordAgeExceeded, … */
  condition: string;
  functionArn: string;
  tableName: string;
  batchSize: number;
  /** When the batch's first and last records reached the stream (ISO 8601). */
  firstArrival: string;
  lastArrival: string;
}

/** The failure a letter of an outbox relay's DLQ describes; undefined when it is not one. */
export function streamFailureOf(body: string): StreamFailure | undefined {
  let record: {
    requestContext?: { condition?: string; functionArn?: string };
    DDBStreamBatchInfo?: {
      streamArn?: string;
      batchSize?: number;
      approximateArrivalOfFirstRecord?: string;
      approximateArrivalOfLastRecord?: string;
    };
  };
  try {
    record = JSON.parse(body);
  } catch {
    return undefined;
  }
  const info = record?.DDBStreamBatchInfo;
  // arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>
  const tableName = /:table\/([^/]+)\/stream\//.exec(info?.streamArn ?? '')?.[1];
  if (!info || !tableName || !info.approximateArrivalOfFirstRecord) return undefined;
  return {
    condition: record.requestContext?.condition ?? 'unknown',
    functionArn: record.requestContext?.functionArn ?? '',
    tableName,
    batchSize: Number(info.batchSize ?? 0),
    firstArrival: info.approximateArrivalOfFirstRecord,
    lastArrival: info.approximateArrivalOfLastRecord ?? info.approximateArrivalOfFirstRecord,
  };
}

/**
 * How far either side of a failed batch's arrival times an outbox item may have been written: the
 * writer's clock and the stream's are different clocks, and a republished extra is harmless.
 */
export const WINDOW_SLACK_MS = 60_000;

/** The outbox items of `tableName` written within the failure's window (plus slack), oldest first. */
export async function outboxItemsOf(
  documents: DynamoDBDocumentClient,
  failure: Pick<StreamFailure, 'tableName' | 'firstArrival' | 'lastArrival'>,
): Promise<OutboxItem[]> {
  const shift = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
  const items: OutboxItem[] = [];
  for await (const page of paginateScan(
    { client: documents },
    {
      TableName: failure.tableName,
      FilterExpression: 'kind = :kind AND writtenAt BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':kind': OUTBOX_KIND,
        ':from': shift(failure.firstArrival, -WINDOW_SLACK_MS),
        ':to': shift(failure.lastArrival, WINDOW_SLACK_MS),
      },
    },
  ))
    items.push(...((page.Items ?? []) as OutboxItem[]));
  return items.sort((a, b) => a.writtenAt.localeCompare(b.writtenAt));
}

export interface OutboxRedriveResult {
  /** Failed batches redriven (their letters deleted). */
  batches: number;
  /** Events republished. */
  events: number;
  /** Letters that were not stream failure records: left in the DLQ. */
  left: number;
}

/**
 * Republish the outbox items of every failed batch in an outbox relay's DLQ, then delete its
 * letter. A publish that fails stops the redrive with the letter kept: run it again.
 */
export async function redriveOutbox(
  clients: { sqs: SQSClient; sns: SNSClient; documents: DynamoDBDocumentClient },
  deadLetterQueueUrl: string,
  { topicArn, max = Number.POSITIVE_INFINITY }: { topicArn: string; max?: number },
): Promise<OutboxRedriveResult> {
  const result: OutboxRedriveResult = { batches: 0, events: 0, left: 0 };
  const skipped = new Set<string>();
  while (result.batches < max) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 1,
        // Long enough to publish a batch's events; back in the DLQ if this process dies.
        VisibilityTimeout: 120,
        WaitTimeSeconds: 0,
      }),
    );
    const [letter] = Messages;
    if (!letter || skipped.has(letter.MessageId ?? '')) break;
    const failure = streamFailureOf(letter.Body ?? '');
    if (!failure) {
      skipped.add(letter.MessageId ?? '');
      result.left++;
      continue;
    }
    for (const item of await outboxItemsOf(clients.documents, failure)) {
      await clients.sns.send(new PublishCommand(outboxPublish(topicArn, item)));
      result.events++;
    }
    await clients.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        ReceiptHandle: letter.ReceiptHandle,
      }),
    );
    result.batches++;
  }
  return result;
}
