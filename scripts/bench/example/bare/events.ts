import { createHash, randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

// What every bare handler of `npm run bench`'s floor shares, written by hand with the AWS SDK
// only — no Middy, Powertools, zod or shared/: the CloudEvents envelope the real system sends,
// publishing with the attributes the queues' filter policies match, an SQS batch loop, and the
// idempotency records the real API and notifier keep (a conditional put, then completed).

export interface Event {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema: string;
  correlationid: string;
  causationid?: string;
  data: Record<string, unknown>;
}

/** A UUID-shaped id derived from `name` (the same name, the same id: a retry republishes it). */
export function derivedId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A CloudEvent of `type` (contract version 1), caused by `cause` when there is one. */
export function cloudEvent(
  type: string,
  data: Record<string, unknown>,
  source: string,
  { id = randomUUID(), cause }: { id?: string; cause?: Event } = {},
): Event {
  return {
    specversion: '1.0',
    id,
    source,
    type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: `urn:event-schema:${type}:v1`,
    correlationid: cause?.correlationid ?? id,
    ...(cause ? { causationid: cause.id } : {}),
    data,
  };
}

export async function publish(sns: SNSClient, event: Event): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: process.env.EVENTS_TOPIC_ARN,
      Message: JSON.stringify(event),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: event.type },
        source: { DataType: 'String', StringValue: event.source },
      },
    }),
  );
}

/** An SQS batch handler: each record's event to `handle`, records at once or in turn; failures retried. */
export function sqsBatch(handle: (event: Event) => Promise<void>, { concurrent = true } = {}) {
  return async (batch: SQSEvent): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    const one = async (record: SQSEvent['Records'][number]) => {
      try {
        await handle(JSON.parse(record.body) as Event);
      } catch (error) {
        console.error(`record ${record.messageId} failed: ${(error as Error).message}`);
        failed.push(record.messageId);
      }
    };
    if (concurrent) await Promise.all(batch.Records.map(one));
    else for (const record of batch.Records) await one(record);
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

const DAY = 24 * 60 * 60;

/**
 * Claim the idempotency record `id` (in IDEMPOTENCY_TABLE): false when a live one is
 * there already (a repeat).
 */
export async function claimRecord(
  dynamodb: DynamoDBClient,
  id: string,
  extra: Record<string, AttributeValue> = {},
): Promise<boolean> {
  const now = Math.floor(Date.now() / 1000);
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: process.env.IDEMPOTENCY_TABLE,
        Item: {
          id: { S: id },
          status: { S: 'INPROGRESS' },
          expiration: { N: String(now + DAY) },
          ...extra,
        },
        ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
        ExpressionAttributeValues: { ':now': { N: String(now) } },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Mark a claimed record completed, with what the work answered. */
export async function completeRecord(dynamodb: DynamoDBClient, id: string, data: unknown) {
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: process.env.IDEMPOTENCY_TABLE,
      Key: { id: { S: id } },
      UpdateExpression: 'SET #status = :completed, #data = :data',
      ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
      ExpressionAttributeValues: {
        ':completed': { S: 'COMPLETED' },
        ':data': { S: JSON.stringify(data) },
      },
    }),
  );
}
