// The transactional outbox against the emulator's DynamoDB, its stream and SNS: what the writer
// commits is relayed from the table's stream alone — the writer makes no publish of its own, so
// an invocation that dies right after its write still has its events published — and a
// cancelled transaction leaves nothing to relay. The relay runs here in process on the records
// the emulator's stream returns, as Lambda's event source mapping hands them over.
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redriveOutbox } from '../../scripts/operations/outbox-letters.ts';
import { documentClient, dynamoClient, snsClient, sqsClient } from '../../shared/aws/clients.ts';
import { createOutbox } from '../../shared/outbox.ts';
import { createOutboxRelay } from '../../shared/outbox-relay.ts';
import {
  createQueue,
  createTable,
  createTopic,
  deleteCreatedResources,
  receiveMessages,
  subscribeQueue,
} from '../support/resources.ts';

let tableName: string;
let queueUrl: string;
let topicArn: string;
let relayDeadLetters: string;
let relay: ReturnType<typeof createOutboxRelay>;
const streams = new DynamoDBStreamsClient({});

beforeAll(async () => {
  tableName = await createTable('zqx-orders', 'id', { stream: true });
  topicArn = await createTopic('zqx-outbox');
  relayDeadLetters = (await createQueue('zqx-outbox-dlq')).url;
  const queue = await createQueue('zqx-outbox');
  await subscribeQueue(topicArn, queue, ['calculation.requested']);
  queueUrl = queue.url;
  relay = createOutboxRelay({ topicArn });
});
afterAll(deleteCreatedResources);

const outbox = () =>
  createOutbox({ tableName, partitionKey: 'id', ttlAttribute: 'expiresAt', source: 'zqx-orders' });
const requested = () => ({
  type: 'calculation.requested' as const,
  data: { calculationId: randomUUID(), operation: 'add' as const, a: '1', b: '2' },
});

/** Every record of the table's stream so far, as a stream event source mapping delivers them. */
async function streamEvent(): Promise<DynamoDBStreamEvent> {
  const { Table } = await dynamoClient().send(new DescribeTableCommand({ TableName: tableName }));
  const StreamArn = Table?.LatestStreamArn;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
  const Records: DynamoDBStreamEvent['Records'] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
    Records.push(...((page.Records ?? []) as DynamoDBStreamEvent['Records']));
  }
  return { Records };
}

const context = { functionName: 'zqx-relay', awsRequestId: 'r' } as Context;

describe('the transactional outbox', () => {
  it('publishes what was written, from the stream alone, with the id fixed at write time', async () => {
    const order = `order#${randomUUID()}`;
    // The writer commits its state and its event, then does nothing more: as if it died here.
    const [written] = await outbox().write(
      [{ Put: { TableName: tableName, Item: { id: order, status: 'placed' } } }],
      [requested()],
    );
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName, Key: { id: order } }),
    );
    expect(Item).toEqual({ id: order, status: 'placed' });

    await relay(await streamEvent(), context);
    const [message, ...more] = await receiveMessages(queueUrl, { count: 1, settleMs: 1500 });
    expect(more).toEqual([]);
    expect(JSON.parse(message?.Body ?? '{}')).toEqual(written);
    expect(message?.MessageAttributes?.type?.StringValue).toBe('calculation.requested');
  });

  it('writes and publishes nothing when the transaction is cancelled', async () => {
    const taken = `order#${randomUUID()}`;
    await outbox().write([{ Put: { TableName: tableName, Item: { id: taken } } }], []);
    const before = (await streamEvent()).Records.length;
    const event = requested();
    await expect(
      outbox().write(
        [
          {
            Put: {
              TableName: tableName,
              Item: { id: taken, status: 'placed again' },
              ConditionExpression: 'attribute_not_exists(id)',
            },
          },
        ],
        [event],
      ),
    ).rejects.toMatchObject({ name: 'TransactionCanceledException' });

    const after = await streamEvent();
    expect(after.Records.slice(before)).toEqual([]);
    const { Items = [] } = await documentClient().send(new ScanCommand({ TableName: tableName }));
    expect(Items.some((i) => String(i.body ?? '').includes(event.data.calculationId))).toBe(false);
    await relay({ Records: after.Records.slice(before) }, context);
    const stray = await receiveMessages(queueUrl, { count: 1, deadlineMs: 3000 });
    expect(stray.filter((m) => m.Body?.includes(event.data.calculationId))).toEqual([]);
  });

  it('republishes a failed batch from the table when its relay letter is redriven', async () => {
    const [written] = await outbox().write([], [requested()]);
    const { Table } = await dynamoClient().send(new DescribeTableCommand({ TableName: tableName }));
    const now = new Date().toISOString();
    // What Lambda sends the relay's on-failure destination when it gives up on a batch: a
    // pointer to the stream records, never the events.
    await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: relayDeadLetters,
        MessageBody: JSON.stringify({
          requestContext: {
            condition: 'RetryAttemptsExhausted',
            functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:zqx-relay',
          },
          DDBStreamBatchInfo: {
            shardId: 'shardId-1',
            startSequenceNumber: '1',
            endSequenceNumber: '2',
            approximateArrivalOfFirstRecord: now,
            approximateArrivalOfLastRecord: now,
            batchSize: 1,
            streamArn: Table?.LatestStreamArn,
          },
        }),
      }),
    );
    const result = await redriveOutbox(
      { sqs: sqsClient(), sns: snsClient(), documents: documentClient() },
      relayDeadLetters,
      { topicArn },
    );
    expect(result.batches).toBe(1);
    expect(result.events).toBeGreaterThanOrEqual(1); // those of the other tests here may be in the window too
    const messages = await receiveMessages(queueUrl, { count: result.events, settleMs: 1500 });
    expect(messages.map((m) => JSON.parse(m.Body ?? '{}').id)).toContain(written?.id);
    const left = await receiveMessages(relayDeadLetters, { count: 1, deadlineMs: 1500 });
    expect(left).toEqual([]);
  });
});
