import { randomUUID } from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ContractViolation } from '../events/contract-violation.ts';
import { createOutbox, MAX_TRANSACTION_ITEMS, OUTBOX_KEEP_SECONDS } from './outbox.ts';
import { createOutboxRelay } from './outbox-relay.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const at = new Date('2026-12-03T10:00:00Z');
const outbox = createOutbox({
  tableName: 'zqx-orders',
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
  source: 'zqx-orders',
  now: () => at,
});
const requested = () => ({
  type: 'calculation.requested' as const,
  data: { calculationId: randomUUID(), operation: 'add' as const, a: '1', b: '2' },
});
const change = { Put: { TableName: 'zqx-orders', Item: { pk: 'order#1', status: 'placed' } } };

beforeEach(() => {
  dynamo.reset();
  sns.reset();
});

describe('outbox.write', () => {
  it('writes the change and each event in one transaction, the events prepared as a publish would', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const [event] = await outbox.write([change], [requested()]);
    const [call] = dynamo.commandCalls(TransactWriteCommand);
    const items = call?.args[0].input.TransactItems ?? [];
    expect(items[0]).toEqual(change);
    expect(items[1]?.Put).toMatchObject({
      TableName: 'zqx-orders',
      ConditionExpression: 'attribute_not_exists(#key)',
      Item: {
        pk: `outbox#${event?.id}`,
        kind: 'outbox',
        type: 'calculation.requested',
        source: 'zqx-orders',
        eventId: event?.id,
        expiresAt: at.getTime() / 1000 + OUTBOX_KEEP_SECONDS,
      },
    });
    expect(JSON.parse(items[1]?.Put?.Item?.body as string)).toEqual(event);
    expect(event).toMatchObject({ specversion: '1.0', source: 'zqx-orders', data: { a: '1' } });
  });

  it('writes nothing when an event breaks its contract', async () => {
    const bad = { ...requested(), data: { ...requested().data, a: 'one' } };
    await expect(outbox.write([change], [bad])).rejects.toBeInstanceOf(ContractViolation);
    expect(dynamo.commandCalls(TransactWriteCommand)).toEqual([]);
  });

  it('passes a cancelled transaction on to its caller: nothing was written, nothing will be published', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException' }));
    await expect(outbox.write([change], [requested()])).rejects.toThrow('cancelled');
  });

  it('refuses more items than one transaction holds, before writing', async () => {
    const events = Array.from({ length: MAX_TRANSACTION_ITEMS }, requested);
    await expect(outbox.write([change], events)).rejects.toThrow(/at most 100 items/);
    expect(dynamo.commandCalls(TransactWriteCommand)).toEqual([]);
  });
});

const context = { functionName: 'relay', awsRequestId: 'r' } as Context;
const streamRecord = (n: number, image: Record<string, string>, eventName = 'INSERT') =>
  ({
    eventName,
    dynamodb: {
      SequenceNumber: String(n),
      NewImage: Object.fromEntries(Object.entries(image).map(([k, v]) => [k, { S: v }])),
    },
  }) as DynamoDBRecord;
const outboxRecord = (n: number) =>
  streamRecord(n, {
    pk: `outbox#e${n}`,
    kind: 'outbox',
    type: 'calculation.requested',
    source: 'zqx-orders',
    eventId: `e${n}`,
    body: `{"id":"e${n}"}`,
  });

describe('the outbox relay', () => {
  const relay = createOutboxRelay({ topicArn: 'arn:aws:sns:us-east-1:000000000000:zqx-events' });

  it('publishes each new outbox item as it was written, with the attributes filter policies match on', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const answer = await relay(
      {
        Records: [
          outboxRecord(1),
          streamRecord(2, { pk: 'order#1', kind: 'state' }),
          outboxRecord(3),
        ],
      },
      context,
    );
    expect(answer).toBeUndefined();
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        Message: '{"id":"e1"}',
        MessageAttributes: {
          type: { DataType: 'String', StringValue: 'calculation.requested' },
          source: { DataType: 'String', StringValue: 'zqx-orders' },
        },
      }),
      expect.objectContaining({ Message: '{"id":"e3"}' }),
    ]);
  });

  it('stops at the first failed publish and fails the batch, so the stream is retried from there in order', async () => {
    sns
      .on(PublishCommand)
      .resolvesOnce({ MessageId: 'm' })
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'Throttling' }))
      .resolves({ MessageId: 'm' });
    await expect(relay({ Records: [1, 2, 3].map(outboxRecord) }, context)).rejects.toThrow(
      'Could not publish calculation.requested e2: Throttling',
    );
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it('leaves an expiring outbox item alone', async () => {
    await relay({ Records: [{ ...outboxRecord(1), eventName: 'REMOVE' }] }, context);
    expect(sns.commandCalls(PublishCommand)).toEqual([]);
  });
});
