import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { LOCAL_WEBHOOK } from '../../scripts/emulator/local-env.ts';
import { localWebhookSecretName } from '../../scripts/local/stack.ts';
import { startWebhookReceiver } from '../../scripts/local/webhook-receiver.ts';
import { snsClient, sqsClient } from '../../shared/aws/clients.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { apiClient } from '../support/api-client.ts';
import { eventually, holdsFor, WaitingCannotHelp } from '../support/poll.ts';
import {
  createQueue,
  deleteCreatedResources,
  receiveMessages,
  subscribeQueue,
} from '../support/resources.ts';

const stack = inject('stack');
const publisher = createPublisher({ topicArn: stack.eventsTopicArn, source: 'e2e-test' });
/** Every answer is checked against openapi.yaml. */
const api = apiClient(stack.apiUrl ?? '');

/** Answers per calculation id: tests script outages for their own calculation only. */
const scriptedAnswers = new Map<string, number[]>();
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver({
    secret: inject('webhookSecret'),
    host: LOCAL_WEBHOOK.host,
    port: LOCAL_WEBHOOK.port,
    path: LOCAL_WEBHOOK.path,
    respond: ({ event }) => {
      const id = event?.data.calculationId as string | undefined;
      return (id && scriptedAnswers.get(id)?.shift()) || 200;
    },
  });
});
afterAll(async () => {
  await receiver?.close();
  await deleteCreatedResources();
});

const webhooksFor = (calculationId: string) => {
  const rejected = receiver.deliveries.find((d) => d.verificationError);
  if (rejected) {
    throw new WaitingCannotHelp(
      `The webhook receiver rejected a delivery (401, ${rejected.verificationError}): the deployed notifier signs with another secret than the emulator's ${localWebhookSecretName(stack.stage)}`,
    );
  }
  return receiver.deliveries.filter((d) => d.event?.data.calculationId === calculationId);
};

async function post(body: unknown) {
  const response = await api('POST', '/calculations', { json: body });
  return { response, json: response.json as Record<string, unknown> };
}

async function finalRecord(calculationId: string) {
  return eventually(
    async () => {
      const response = await api('GET', `/calculations/${calculationId}`);
      if (response.status !== 200) return undefined;
      const record = response.json as Record<string, unknown>;
      return record.status === 'pending' ? undefined : record;
    },
    { what: `calculation ${calculationId} to finish` },
  );
}

/** Every message currently in a service's DLQ (peeked: they become visible again at once). */
async function deadLetters(service: string) {
  const { Messages = [] } = await sqsClient().send(
    new ReceiveMessageCommand({
      QueueUrl: stack.deadLetterQueues[service],
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

const allDeadLetters = async () =>
  (await Promise.all(Object.keys(stack.deadLetterQueues).map(deadLetters))).flat();

describe('calculations end to end (deployed with serverless into the emulator)', () => {
  it('computes 0.1 + 0.2 = 0.3 exactly, stores it and sends one signed webhook', async () => {
    const { response, json } = await post({ operation: 'add', a: '0.1', b: '0.2' });
    expect(response.status).toBe(202);
    expect(json).toMatchObject({ calculationId: expect.any(String), status: 'pending' });
    const calculationId = json.calculationId as string;
    expect(response.headers.get('location')).toBe(`/calculations/${calculationId}`);

    expect(await finalRecord(calculationId)).toMatchObject({
      calculationId,
      status: 'completed',
      operation: 'add',
      a: '0.1',
      b: '0.2',
      result: '0.3',
    });
    const [delivery, ...more] = await eventually(
      () => webhooksFor(calculationId)[0] && webhooksFor(calculationId),
      {
        what: 'the webhook',
      },
    );
    expect(more).toEqual([]);
    expect(delivery?.verificationError).toBeUndefined();
    expect(delivery?.event).toMatchObject({
      type: 'calculation.completed',
      data: { result: '0.3' },
    });
    expect(delivery?.headers['webhook-id']).toBe(delivery?.event?.id);
  });

  it('turns division by zero into a failed calculation, tells the webhook, dead-letters nothing', async () => {
    const { json } = await post({ operation: 'divide', a: '1', b: '0' });
    const calculationId = json.calculationId as string;

    expect(await finalRecord(calculationId)).toMatchObject({
      status: 'failed',
      error: { code: 'DIVISION_BY_ZERO' },
    });
    const delivery = await eventually(() => webhooksFor(calculationId)[0], { what: 'the webhook' });
    expect(delivery.event).toMatchObject({
      type: 'calculation.failed',
      data: { error: { code: 'DIVISION_BY_ZERO' } },
    });
    const dead = await allDeadLetters();
    expect(dead.filter((m) => m.Body?.includes(calculationId))).toEqual([]);
  });

  it('answers a retried POST with the same Idempotency-Key once: same id, one event published', async () => {
    const tap = await createQueue('requested-tap');
    await subscribeQueue(stack.eventsTopicArn, tap, ['calculation.requested']);
    const key = randomUUID();
    const send = (body: object) =>
      api('POST', '/calculations', { json: body, headers: { 'idempotency-key': key } });

    const first = await send({ operation: 'add', a: '7', b: '8' });
    const retry = await send({ operation: 'add', a: '7', b: '8' });
    const firstBody = first.json as { calculationId: string };
    expect(retry.status).toBe(202);
    expect(retry.json).toEqual(firstBody);

    const published = await receiveMessages(tap.url, { count: 1, settleMs: 2000 });
    expect(published.map((m) => JSON.parse(m.Body ?? '{}').data.calculationId)).toEqual([
      firstBody.calculationId,
    ]);

    const reused = await send({ operation: 'add', a: '7', b: '9' });
    expect(reused.status).toBe(422);
    // A refusal keeps the stored answer: another body is refused again, the first one still
    // answered from it (powertools-lambda-typescript#5675 deleted it at the first refusal).
    expect((await send({ operation: 'add', a: '7', b: '9' })).status).toBe(422);
    const again = await send({ operation: 'add', a: '7', b: '8' });
    expect(again.status).toBe(202);
    expect(again.json).toEqual(firstBody);
  });

  it('dead-letters a malformed event in the subscribed DLQ, with its reason, and keeps working', async () => {
    const marker = `malformed-${randomUUID()}`;
    await snsClient().send(
      new PublishCommand({
        TopicArn: stack.eventsTopicArn,
        Message: `{"this is": "${marker}", "not": "a CloudEvent"}`,
        MessageAttributes: { type: { DataType: 'String', StringValue: 'calculation.requested' } },
      }),
    );
    const { json } = await post({ operation: 'multiply', a: '1.5', b: '4' });

    for (const service of ['calculator'] as const) {
      const letter = await eventually(
        async () => (await deadLetters(service)).find((m) => m.Body?.includes(marker)),
        { what: `the malformed event in the ${service} DLQ` },
      );
      expect(letter.MessageAttributes?.['failure.code']?.StringValue).toBe('INVALID_ENVELOPE');
      expect(letter.MessageAttributes?.['failure.consumer']?.StringValue).toBe(service);
      expect(letter.MessageAttributes?.['failure.message']?.StringValue).toMatch(
        /Not a valid CloudEvent: specversion/,
      );
    }
    // Storage and the notifier are not subscribed to calculation.requested (storage writes it
    // itself, through its outbox), so they never saw it.
    for (const service of ['storage', 'notifier'] as const)
      expect((await deadLetters(service)).filter((m) => m.Body?.includes(marker))).toEqual([]);
    expect(await finalRecord(json.calculationId as string)).toMatchObject({
      status: 'completed',
      result: '6',
    });
  });

  it('handles the same calculation.requested published twice once: one record, one webhook', async () => {
    const calculationId = randomUUID();
    const event = buildCloudEvent(
      currentContract('calculation.requested'),
      { calculationId, operation: 'subtract', a: '10', b: '0.01' },
      'e2e-test',
    );
    for (let i = 0; i < 2; i++) {
      await snsClient().send(
        new PublishCommand({
          TopicArn: stack.eventsTopicArn,
          Message: JSON.stringify(event),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: event.type },
            source: { DataType: 'String', StringValue: event.source },
          },
        }),
      );
    }

    expect(await finalRecord(calculationId)).toMatchObject({ status: 'completed', result: '9.99' });
    await eventually(() => webhooksFor(calculationId)[0], { what: 'the webhook' });
    // A duplicate would arrive within the same second or two; watch for one.
    await holdsFor(() => webhooksFor(calculationId).length === 1, 3000, 'exactly one webhook');
  });

  it('retries a webhook answering 503 twice, then delivers it once', async () => {
    const calculationId = randomUUID();
    scriptedAnswers.set(calculationId, [503, 503]);
    await publisher.publish('calculation.requested', {
      calculationId,
      operation: 'add',
      a: '2',
      b: '2',
    });

    const delivered = await eventually(
      () => webhooksFor(calculationId).find((d) => d.status === 200),
      {
        deadlineMs: 60_000,
        what: 'the webhook to succeed',
      },
    );
    expect(delivered.event).toMatchObject({ type: 'calculation.completed', data: { result: '4' } });
    expect(webhooksFor(calculationId).map((d) => d.status)).toEqual([503, 503, 200]);
    // Every attempt carried the same webhook-id, so receivers can deduplicate.
    expect(new Set(webhooksFor(calculationId).map((d) => d.headers['webhook-id'])).size).toBe(1);
  });
});
