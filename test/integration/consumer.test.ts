import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract, type EventOf } from '../../events/registry.ts';
import { documentClient, snsClient, sqsClient } from '../../shared/aws/clients.ts';
import { createConsumer } from '../../shared/consumer.ts';
import { PermanentError } from '../../shared/errors.ts';
import { idempotencyTable } from '../../shared/idempotency-table.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { deliverOnce } from '../support/lambda.ts';
import {
  createQueue,
  createQueueWithDlq,
  createTable,
  createTopic,
  deleteCreatedResources,
  receiveMessages,
  subscribeQueue,
} from '../support/resources.ts';

afterAll(deleteCreatedResources);

type Requested = EventOf<'calculation.requested'>;

/** A fixture consumer whose side effect is a counter per calculation in DynamoDB. */
async function fixture(handle?: (event: Requested) => Promise<void> | void, name = 'fixture') {
  const { queue, dlq } = await createQueueWithDlq('consumer');
  const effectsTable = await createTable('effects', 'calculationId');
  const recordsTable = await createTable('idempotency');
  const handler = createConsumer({
    name,
    accepts: ['calculation.requested'],
    idempotency: idempotencyTable,
    config: {
      SERVICE_NAME: 'fixture',
      DEAD_LETTER_QUEUE_URL: dlq.url,
      IDEMPOTENCY_TABLE: recordsTable,
      IDEMPOTENCY_TTL_SECONDS: 3600,
      RETRY_BASE_DELAY_SECONDS: 1,
      RETRY_MAX_DELAY_SECONDS: 60,
      MAX_RECEIVE_COUNT: 3, // as the queue's redrive policy
    },
    handle: async (event) => {
      await handle?.(event);
      await documentClient().send(
        new UpdateCommand({
          TableName: effectsTable,
          Key: { calculationId: event.data.calculationId },
          UpdateExpression: 'ADD handled :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    },
  });
  const timesHandled = async (calculationId: string): Promise<number> => {
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: effectsTable, Key: { calculationId }, ConsistentRead: true }),
    );
    return (Item?.handled as number | undefined) ?? 0;
  };
  return { queue, dlq, handler, timesHandled };
}

const requested = (a = '1', lineage = {}) =>
  buildCloudEvent(
    currentContract('calculation.requested'),
    { calculationId: randomUUID(), operation: 'add' as const, a, b: '2' },
    'test',
    lineage,
  );

const send = (queueUrl: string, body: unknown) =>
  sqsClient().send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );

describe('consumer stack against the emulator', () => {
  it('handles a published event once: the side effect is recorded exactly once', async () => {
    const { queue, handler, timesHandled } = await fixture();
    const topicArn = await createTopic('consumer');
    await subscribeQueue(topicArn, queue, ['calculation.requested']);
    const publisher = createPublisher({ topicArn, source: 'test' });
    const event = await publisher.publish('calculation.requested', {
      calculationId: randomUUID(),
      operation: 'add',
      a: '0.1',
      b: '0.2',
    });

    const { response } = await deliverOnce(queue, handler);

    expect(response.batchItemFailures).toEqual([]);
    expect(await timesHandled(event.data.calculationId)).toBe(1);
  });

  it('handles a minimal CloudEvent from a producer we did not write (only the REQUIRED attributes)', async () => {
    let seen: Requested | undefined;
    const { queue, handler, timesHandled } = await fixture((event) => {
      seen = event;
    });
    const topicArn = await createTopic('foreign');
    await subscribeQueue(topicArn, queue, ['calculation.requested']);
    const calculationId = randomUUID();
    // Another team's service, publishing with the plain AWS SDK: no time, dataschema,
    // datacontenttype, correlationid or causationid, a non-UUID id, JSON numbers for decimals.
    await snsClient().send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: JSON.stringify({
          specversion: '1.0',
          id: `their-order-${calculationId}`,
          source: 'urn:another-team:orders',
          type: 'calculation.requested',
          data: { calculationId, operation: 'multiply', a: 1.5, b: 4 },
        }),
        MessageAttributes: { type: { DataType: 'String', StringValue: 'calculation.requested' } },
      }),
    );

    const { response } = await deliverOnce(queue, handler);

    expect(response.batchItemFailures).toEqual([]);
    expect(await timesHandled(calculationId)).toBe(1);
    expect(seen).toMatchObject({
      id: `their-order-${calculationId}`,
      correlationid: `their-order-${calculationId}`,
      dataschema: 'urn:event-schema:calculation.requested:v1',
      data: { calculationId, operation: 'multiply', a: '1.5', b: '4' },
    });
  });

  it('understands SNS-wrapped bodies from a subscription without raw delivery', async () => {
    const { queue, handler, timesHandled } = await fixture();
    const topicArn = await createTopic('wrapped');
    await subscribeQueue(topicArn, queue, ['calculation.requested'], { raw: false });
    const event = await createPublisher({ topicArn, source: 'test' }).publish(
      'calculation.requested',
      {
        calculationId: randomUUID(),
        operation: 'divide',
        a: '1',
        b: '8',
      },
    );

    const { messages, response } = await deliverOnce(queue, handler);

    expect(JSON.parse(messages[0]?.Body ?? '{}')).toMatchObject({ Type: 'Notification' });
    expect(response.batchItemFailures).toEqual([]);
    expect(await timesHandled(event.data.calculationId)).toBe(1);
  });

  it('has no second side effect when the same event is delivered three times', async () => {
    const { queue, handler, timesHandled } = await fixture();
    const event = requested();
    for (let i = 0; i < 3; i++) await send(queue.url, event);

    const { messages, response } = await deliverOnce(queue, handler, { count: 3 });
    expect(messages).toHaveLength(3);
    expect(await timesHandled(event.data.calculationId)).toBe(1);

    // Copies handled at the same moment as the first find its idempotency record in progress:
    // they are retried after the backoff, then answered from the completed record.
    const waiting = response.batchItemFailures.length;
    if (waiting) {
      const again = await deliverOnce(queue, handler, { count: waiting });
      expect(again.messages).toHaveLength(waiting);
      expect(again.response.batchItemFailures).toEqual([]);
    }
    expect(await timesHandled(event.data.calculationId)).toBe(1);
  });

  it("keeps the first delivery's idempotency lock when a duplicate is refused while it runs", async () => {
    // Powertools' Middy middleware deleted the record of whichever invocation refused a duplicate
    // (aws-powertools/powertools-lambda-typescript#5675): a third copy then ran the handler again.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let calls = 0;
    const { queue, handler, timesHandled } = await fixture(async () => {
      calls += 1;
      if (calls > 1) return; // a second run of the handler is the defect: let it finish
      started();
      await gate;
    });
    const event = requested();

    // One copy at a time, each received by its own invocation while the first is still running.
    await send(queue.url, event);
    const first = deliverOnce(queue, handler, { visibilityTimeout: 30 });
    await running;
    await send(queue.url, event);
    const second = await deliverOnce(queue, handler, { visibilityTimeout: 30 });
    await send(queue.url, event);
    const third = await deliverOnce(queue, handler, { visibilityTimeout: 30 });
    release();
    await first;

    // Refused while the first runs (the second copy may come back to the third invocation).
    expect(second.response.batchItemFailures).toHaveLength(second.messages.length);
    expect(third.response.batchItemFailures).toHaveLength(third.messages.length);
    expect(await timesHandled(event.data.calculationId)).toBe(1);
  });

  it('dead-letters malformed and permanent failures at once and retries only the transient one', async () => {
    const flakyAttempts = new Map<string, number>();
    const { queue, dlq, handler, timesHandled } = await fixture((event) => {
      if (event.data.a === '13') throw new PermanentError('UNLUCKY_NUMBER', '13 is never accepted');
      if (event.data.a === '7') {
        const attempt = (flakyAttempts.get(event.id) ?? 0) + 1;
        flakyAttempts.set(event.id, attempt);
        if (attempt === 1) throw new Error('downstream timed out');
      }
    });
    const good = Array.from({ length: 7 }, () => requested());
    const permanent = requested('13');
    const transient = requested('7');
    const bodies = [
      ...good.slice(0, 3),
      'this is { not json',
      permanent,
      transient,
      ...good.slice(3),
    ];
    await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: bodies.map((body, i) => ({
          Id: String(i),
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        })),
      }),
    );

    const first = await deliverOnce(queue, handler, { count: 10 });
    expect(first.messages).toHaveLength(10);
    const transientMessage = first.messages.find((m) => m.Body === JSON.stringify(transient));
    expect(first.response.batchItemFailures).toEqual([
      { itemIdentifier: transientMessage?.MessageId },
    ]);
    for (const event of good) expect(await timesHandled(event.data.calculationId)).toBe(1);

    // After one receive, both bad records are already in the DLQ, each with its reason.
    const deadLetters = await receiveMessages(dlq.url, { count: 2 });
    const reasons = Object.fromEntries(
      deadLetters.map((m) => [m.Body, m.MessageAttributes?.['failure.code']?.StringValue]),
    );
    expect(reasons).toEqual({
      'this is { not json': 'MALFORMED_MESSAGE',
      [JSON.stringify(permanent)]: 'UNLUCKY_NUMBER',
    });
    const permanentLetter = deadLetters.find((m) => m.Body === JSON.stringify(permanent));
    expect(permanentLetter?.MessageAttributes).toMatchObject({
      'failure.message': { StringValue: '13 is never accepted' },
      'failure.consumer': { StringValue: 'fixture' },
      'failure.originalMessageId': {
        StringValue: first.messages.find((m) => m.Body === JSON.stringify(permanent))?.MessageId,
      },
    });

    // The transient record comes back after its visibility timeout and succeeds this time.
    const second = await deliverOnce(queue, handler, { count: 1 });
    expect(second.messages.map((m) => m.Body)).toEqual([JSON.stringify(transient)]);
    expect(second.messages[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second.response.batchItemFailures).toEqual([]);
    expect(await timesHandled(transient.data.calculationId)).toBe(1);
    expect(await timesHandled(permanent.data.calculationId)).toBe(0);
  });

  it('dead-letters a record that fails on every attempt on its last receive, with the reason', async () => {
    const { queue, dlq, handler, timesHandled } = await fixture(() => {
      throw new Error('the database is down');
    });
    const event = requested();
    await send(queue.url, event);

    const receiveCounts: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { messages } = await deliverOnce(queue, handler);
      receiveCounts.push(messages[0]?.Attributes?.ApproximateReceiveCount ?? '?');
    }

    expect(receiveCounts).toEqual(['1', '2', '3']);
    const [letter] = await receiveMessages(dlq.url, { count: 1 });
    expect(letter?.Body).toBe(JSON.stringify(event));
    expect(letter?.MessageAttributes).toMatchObject({
      'failure.code': { StringValue: 'Error' },
      'failure.message': { StringValue: 'the database is down' },
      'failure.attempts': { StringValue: '3' },
    });
    expect(await receiveMessages(queue.url, { count: 1, deadlineMs: 3000 })).toEqual([]);
    expect(await timesHandled(event.data.calculationId)).toBe(0);
  });

  it('republishes the same event id when a handler is retried after publishing', async () => {
    const topicArn = await createTopic('retried');
    const results = await createQueue('results');
    await subscribeQueue(topicArn, results, ['calculation.completed']);
    const publisher = createPublisher({ topicArn, source: 'fixture' });
    let attempts = 0;
    const { queue, handler } = await fixture(async (event) => {
      await publisher.publish('calculation.completed', { ...event.data, result: '3' });
      if (++attempts === 1) throw new Error('timed out after publishing');
    });
    await send(queue.url, requested());

    await deliverOnce(queue, handler);
    await deliverOnce(queue, handler); // the retry, after the backoff

    const published = await receiveMessages(results.url, { count: 2 });
    expect(published).toHaveLength(2);
    const [first, second] = published.map((m) => JSON.parse(m.Body ?? '{}').id);
    expect(second).toBe(first); // downstream idempotency will drop the copy
  });

  it('carries correlationid forward and names the handled event as causationid', async () => {
    const topicArn = await createTopic('lineage');
    const results = await createQueue('results');
    await subscribeQueue(topicArn, results, ['calculation.completed']);
    const publisher = createPublisher({ topicArn, source: 'fixture' });
    const { queue, handler } = await fixture(async (event) => {
      await publisher.publish('calculation.completed', { ...event.data, result: '3' });
    });
    const correlationId = randomUUID();
    const cause = requested('1', { correlationId });
    await send(queue.url, cause);

    await deliverOnce(queue, handler);

    const [message] = await receiveMessages(results.url, { count: 1 });
    const published = JSON.parse(message?.Body ?? '{}');
    expect(published).toMatchObject({
      type: 'calculation.completed',
      correlationid: correlationId,
      causationid: cause.id,
      data: { calculationId: cause.data.calculationId, result: '3' },
    });
  });

  it('keeps the lineage of each record when a batch is handled concurrently', async () => {
    const topicArn = await createTopic('concurrent');
    const results = await createQueue('results');
    await subscribeQueue(topicArn, results, ['calculation.completed']);
    const publisher = createPublisher({ topicArn, source: 'fixture' });
    const { queue, handler, timesHandled } = await fixture(async (event) => {
      // Different waits, so the records' work interleaves.
      await new Promise((r) => setTimeout(r, Math.random() * 50));
      await publisher.publish('calculation.completed', { ...event.data, result: '3' });
    });
    const causes = Array.from({ length: 10 }, () =>
      requested('1', { correlationId: randomUUID() }),
    );
    for (const cause of causes) await send(queue.url, cause);

    const { messages } = await deliverOnce(queue, handler, { count: 10 });
    expect(messages).toHaveLength(10);

    const published = (await receiveMessages(results.url, { count: 10 })).map((m) =>
      JSON.parse(m.Body ?? '{}'),
    );
    expect(published).toHaveLength(10);
    for (const cause of causes) {
      const effect = published.find((p) => p.data.calculationId === cause.data.calculationId);
      expect(effect).toMatchObject({ correlationid: cause.correlationid, causationid: cause.id });
      expect(await timesHandled(cause.data.calculationId)).toBe(1);
    }
  });
  it("counts each record's outcome as EMF metrics per consumer and event type", async () => {
    // Metrics are off in the test tiers (stdout stays readable); on for this consumer only.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const attempts = new Map<string, number>();
    const consumer = `metrics-${randomUUID().slice(0, 8)}`;
    const { queue, handler } = await fixture((event) => {
      if (event.data.a !== '7') return;
      attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
      throw new Error('downstream timed out'); // transient: retried
    }, consumer);
    const good = requested();
    for (const body of [good, 'this is { not json', requested('7')]) await send(queue.url, body);

    const documents: Array<Record<string, unknown>> = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      for (const line of String(chunk).split('\n')) {
        if (line.includes('"_aws"')) documents.push(JSON.parse(line));
      }
      return true;
    }) as typeof process.stdout.write;
    try {
      await deliverOnce(queue, handler, { count: 3 });
      await send(queue.url, good); // the same event again, after it was handled
      await deliverOnce(queue, handler, { count: 1, visibilityTimeout: 30 });
    } finally {
      process.stdout.write = write;
      delete process.env.POWERTOOLS_METRICS_DISABLED;
    }

    const total = (eventType: string, metric: string) =>
      documents
        .filter((d) => d.consumer === consumer && d.eventType === eventType)
        .reduce((sum, d) => sum + Number(d[metric] ?? 0), 0);
    expect(total('calculation.requested', 'EventsHandled')).toBe(1);
    // The failing one may come back within the second invocation: retried once per attempt.
    expect(total('calculation.requested', 'EventsRetried')).toBe(
      [...attempts.values()].reduce((a, b) => a + b, 0),
    );
    expect(attempts.size).toBe(1);
    expect(total('calculation.requested', 'DuplicatesSuppressed')).toBe(1);
    expect(total('unparsed', 'EventsDeadLettered')).toBe(1);
    expect(documents[0]).toMatchObject({
      service: 'fixture',
      _aws: {
        CloudWatchMetrics: [
          { Dimensions: [expect.arrayContaining(['service', 'consumer', 'eventType'])] },
        ],
      },
    });
  });
});
