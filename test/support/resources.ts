import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { dynamoClient, snsClient, sqsClient } from '../../shared/aws/clients.ts';

/** A name no other test (or earlier run) uses, so tests never share resources. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface TestQueue {
  url: string;
  arn: string;
}

const cleanups: Array<() => Promise<unknown>> = [];

/** Delete everything created through these helpers (call from afterAll). */
export async function deleteCreatedResources(): Promise<void> {
  await Promise.allSettled(cleanups.splice(0).map((fn) => fn()));
}

export async function createTopic(prefix = 'topic'): Promise<string> {
  const { TopicArn } = await snsClient().send(new CreateTopicCommand({ Name: uniqueName(prefix) }));
  if (!TopicArn) throw new Error('CreateTopic returned no TopicArn');
  cleanups.push(() => snsClient().send(new DeleteTopicCommand({ TopicArn })));
  return TopicArn;
}

export async function createQueue(
  prefix = 'queue',
  attributes: Record<string, string> = {},
): Promise<TestQueue> {
  const { QueueUrl } = await sqsClient().send(
    new CreateQueueCommand({ QueueName: uniqueName(prefix), Attributes: attributes }),
  );
  if (!QueueUrl) throw new Error('CreateQueue returned no QueueUrl');
  cleanups.push(() => sqsClient().send(new DeleteQueueCommand({ QueueUrl })));
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new Error('GetQueueAttributes returned no QueueArn');
  return { url: QueueUrl, arn: Attributes.QueueArn };
}

/** Subscribe a queue the way the template does: raw delivery, filter on the `type` attribute. */
export async function subscribeQueue(
  topicArn: string,
  queue: TestQueue,
  types?: string[],
  { raw = true } = {},
) {
  const { SubscriptionArn } = await snsClient().send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: {
        RawMessageDelivery: String(raw),
        ...(types ? { FilterPolicy: JSON.stringify({ type: types }) } : {}),
      },
    }),
  );
  cleanups.push(() => snsClient().send(new UnsubscribeCommand({ SubscriptionArn })));
}

/**
 * Receive until `count` messages arrived or the deadline passes, then return what arrived.
 * Waits a short settle period after reaching `count` so that extra, unwanted messages show up.
 */
export async function receiveMessages(
  queueUrl: string,
  { count = 1, deadlineMs = 15_000, settleMs = 1_000, visibilityTimeout = 30 } = {},
): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + deadlineMs;
  let settleUntil: number | undefined;
  while (Date.now() < (settleUntil ?? deadline)) {
    const { Messages = [] } = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibilityTimeout,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    received.push(...Messages);
    if (received.length >= count && settleUntil === undefined) settleUntil = Date.now() + settleMs;
  }
  return received;
}

/** A DynamoDB table with a string hash key; with `stream`, its stream of new images. */
export async function createTable(
  prefix = 'table',
  hashKey = 'id',
  { stream = false } = {},
): Promise<string> {
  const TableName = uniqueName(prefix);
  await dynamoClient().send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: hashKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: hashKey, KeyType: 'HASH' }],
      ...(stream
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }
        : {}),
    }),
  );
  await waitUntilTableExists({ client: dynamoClient(), maxWaitTime: 30 }, { TableName });
  cleanups.push(() => dynamoClient().send(new DeleteTableCommand({ TableName })));
  return TableName;
}

/** A queue with a DLQ behind it, redriven after `maxReceiveCount` receives, as deployed. */
export async function createQueueWithDlq(
  prefix = 'queue',
  { maxReceiveCount = 3, visibilityTimeout = 2 } = {},
) {
  const dlq = await createQueue(`${prefix}-dlq`);
  const queue = await createQueue(prefix, {
    VisibilityTimeout: String(visibilityTimeout),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
  });
  return { queue, dlq };
}
