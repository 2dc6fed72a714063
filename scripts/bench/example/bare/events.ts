import { createHash, randomUUID } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

// What every bare handler of `npm run bench`'s floor shares, written by hand with the AWS SDK
// only — no Middy, Powertools, zod or shared/: the CloudEvents envelope the real system sends,
// publishing with the attributes the queues' filter policies match, and an SQS batch loop.

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
