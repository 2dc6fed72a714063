import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completesConsumerRecord,
  completesWebhookDelivery,
  deadLettersExhausted,
  isSideEffect,
  operationOf,
  startFaultProxy,
} from './fault-proxy.ts';

// The proxy against a stand-in upstream on 127.0.0.1: transparent at rate 0, and only AWS-shaped
// failures (which the SDK classifies as retryable) at rate 1.
let upstream: ReturnType<typeof createServer>;
let target: string;
beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('upstream'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => upstream.close(r)));

const completion = (prefix: string) =>
  JSON.stringify({
    TableName: 'idempotency',
    Key: { id: { S: `${prefix}#5f0c7d2e` } },
    ExpressionAttributeValues: { ':status': { S: 'COMPLETED' } },
  });

describe('fault proxy', () => {
  it('names the operation of JSON and query protocol calls', () => {
    expect(operationOf({ 'x-amz-target': 'DynamoDB_20120810.UpdateItem' }, '')).toBe('UpdateItem');
    expect(operationOf({}, 'Action=Publish&TopicArn=x')).toBe('Publish');
  });

  it('knows the calls whose effect stays when the caller dies before the answer', () => {
    expect(['Publish', 'PublishBatch', 'PutItem', 'UpdateItem'].filter(isSideEffect)).toHaveLength(
      4,
    );
    expect(
      ['GetItem', 'ReceiveMessage', 'ChangeMessageVisibility', 'GetParameter'].some(isSideEffect),
    ).toBe(false);
  });

  it('tells a consumer completing its record from a webhook delivery being recorded', () => {
    expect(completesConsumerRecord('UpdateItem', completion('notifier'))).toBe(true);
    expect(completesConsumerRecord('UpdateItem', completion('notifier-delivery'))).toBe(false);
    expect(completesWebhookDelivery('UpdateItem', completion('notifier-delivery'))).toBe(true);
    expect(completesConsumerRecord('PutItem', completion('notifier'))).toBe(false);
  });

  it('forwards untouched at rate 0 and answers only AWS-shaped failures at rate 1', async () => {
    const proxy = await startFaultProxy({ target });
    try {
      const clean = await fetch(proxy.url, { method: 'POST', body: 'Action=Publish' });
      expect(await clean.text()).toBe('upstream');
      proxy.setRates({ error: 1 });
      const statuses = new Set<number | string>();
      for (let i = 0; i < 40; i++) {
        try {
          const response = await fetch(proxy.url, {
            method: 'POST',
            headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem' },
            body: '{}',
          });
          statuses.add(response.status);
          const body = (await response.json()) as { __type: string };
          expect(body.__type).toMatch(/InternalFailure|ServiceUnavailable|ThrottlingException/);
        } catch (error) {
          expect((error as Error).message).toMatch(/fetch failed/); // a reset connection
          statuses.add('reset');
        }
      }
      expect([...statuses].sort()).toEqual([400, 500, 503, 'reset']);
      expect(proxy.injected.http500 + proxy.injected.reset).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('injects every error kind once at a low rate when asked to, then only by chance', async () => {
    const proxy = await startFaultProxy({
      target,
      errorRate: 0.001,
      everyKind: true,
      random: () => 0.5,
    });
    try {
      for (let i = 0; i < 6; i++)
        await fetch(proxy.url, {
          method: 'POST',
          headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem' },
          body: '{}',
        }).catch(() => undefined); // a reset connection
      expect(proxy.injected).toMatchObject({
        reset: 1,
        http500: 1,
        http503: 1,
        throttle: 1,
        hang: 0,
      });
    } finally {
      await proxy.close();
    }
  });

  it('counts the completions of idempotency records that reached AWS, by record key', async () => {
    const proxy = await startFaultProxy({ target });
    try {
      const complete = () =>
        fetch(proxy.url, {
          method: 'POST',
          headers: { 'x-amz-target': 'DynamoDB_20120810.UpdateItem' },
          body: completion('orders'),
        }).then((r) => r.text());
      await complete();
      await complete();
      expect([...proxy.completions]).toEqual([['orders#5f0c7d2e', 2]]);
    } finally {
      await proxy.close();
    }
  });
});

describe('deadLettersExhausted', () => {
  const send = (attempts?: string) =>
    JSON.stringify({
      QueueUrl: 'http://127.0.0.1:4566/000000000000/zqx-dlq',
      MessageBody: '{}',
      MessageAttributes: attempts
        ? { 'failure.attempts': { DataType: 'String', StringValue: attempts } }
        : {},
    });
  it('counts a dead letter whose retries ran out, not poison failing at its first receive', () => {
    expect(deadLettersExhausted('SendMessage', send('5'), 5)).toBe(true);
    expect(deadLettersExhausted('SendMessage', send('6'), 5)).toBe(true);
    expect(deadLettersExhausted('SendMessage', send('1'), 5)).toBe(false);
    expect(deadLettersExhausted('SendMessage', send(), 5)).toBe(false);
    expect(deadLettersExhausted('PutItem', send('5'), 5)).toBe(false);
    expect(deadLettersExhausted('SendMessage', 'Action=SendMessage', 5)).toBe(false);
  });
});
