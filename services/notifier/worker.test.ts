import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';

// The notifier's rules per target, with AWS mocked and the receivers stubbed: each target on its
// own, 410 stops that target, no delivery is started without the time to finish it.
const secret = `whsec_${Buffer.from('a-test-secret-of-some-length').toString('base64')}`;
const TARGETS = '/shop/test/webhook-targets';
const ssm = mockClient(SSMClient);
const dynamo = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
let handler: (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  for (const [name, value] of Object.entries({
    SERVICE_NAME: 'notifier',
    EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:events',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifier-dlq',
    IDEMPOTENCY_TABLE: 'idempotency',
    WEBHOOK_TARGETS_PARAMETER: TARGETS,
    WEBHOOK_SECRETS_PATH: '/shop/test/webhooks/',
    WEBHOOK_TIMEOUT_MS: '1000',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  }))
    vi.stubEnv(name, value);
  ({ handler } = (await import('./worker.ts')) as unknown as { handler: typeof handler });
});

beforeEach(() => {
  for (const client of [ssm, dynamo, sns, sqs]) client.reset();
  // Every other parameter is a target's secret.
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: secret } });
  ssm.on(GetParameterCommand, { Name: TARGETS }).resolves({
    Parameter: {
      Value: JSON.stringify([
        { name: 'first', url: 'https://first.example.com/hooks' },
        { name: 'second', url: 'https://second.example.com/hooks' },
      ]),
    },
  });
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'd' });
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs/notifier' });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** Receivers answering by host: `first` and `second`. */
function receivers(answers: Record<string, number>) {
  const called: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    const host = new URL(url).hostname.split('.')[0] ?? '';
    called.push(host);
    return new Response(null, { status: answers[host] ?? 200 });
  });
  return called;
}

const record = () => {
  const event = buildCloudEvent(
    currentContract('calculation.completed'),
    { calculationId: randomUUID(), operation: 'add', a: '1', b: '2', result: '3' },
    'calculator',
  );
  return {
    messageId: randomUUID(),
    receiptHandle: 'rh',
    body: JSON.stringify(event),
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: { type: { dataType: 'String', stringValue: event.type } },
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:notifier',
  };
};
const invoke = (remainingMs = 30_000, received = record()) =>
  handler({ Records: [received] } as unknown as SQSEvent, {
    getRemainingTimeInMillis: () => remainingMs,
    functionName: 'notifier',
    awsRequestId: randomUUID(),
  });
const deadLetterCodes = () =>
  sqs
    .commandCalls(SendMessageCommand)
    .map((c) => c.args[0].input.MessageAttributes?.['failure.code']?.StringValue);
const notified = () =>
  sns
    .commandCalls(PublishCommand)
    .map((c) => JSON.parse(c.args[0].input.Message ?? '{}').data.target);

describe('the notifier, per target', () => {
  it('delivers to the second target while the first answers 404, and retries the record', async () => {
    const called = receivers({ first: 404 });
    const response = await invoke();
    expect(called).toEqual(['first', 'second']);
    expect(notified()).toEqual(['second']);
    expect(response.batchItemFailures).toHaveLength(1); // retried for the first target
    expect(deadLetterCodes()).toEqual([]);
  });

  it('dead-letters a record whose target answered 410 Gone, once the others have it', async () => {
    const called = receivers({ first: 410 });
    const response = await invoke();
    expect(called).toEqual(['first', 'second']);
    expect(notified()).toEqual(['second']);
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetterCodes()).toEqual(['WEBHOOK_GONE']);
  });

  it('gives each target its own notification.sent id, the same on every attempt, whoever was notified first', async () => {
    const received = record();
    receivers({ first: 404 });
    await invoke(30_000, received); // only the second is notified
    receivers({});
    await invoke(30_000, { ...received, attributes: { ApproximateReceiveCount: '2' } });
    const sent = sns
      .commandCalls(PublishCommand)
      .map(
        (c) =>
          JSON.parse(c.args[0].input.Message ?? '{}') as { id: string; data: { target: string } },
      );
    expect(sent.map((event) => event.data.target)).toEqual(['second', 'first', 'second']);
    const [secondFirstTime, first, secondAgain] = sent.map((event) => event.id);
    expect(secondAgain).toBe(secondFirstTime);
    expect(first).not.toBe(secondFirstTime);
  });

  it('starts no delivery the invocation has no time to finish: the record is retried', async () => {
    const called = receivers({});
    const response = await invoke(1_500); // under the 1 s webhook timeout + the margin
    expect(called).toEqual([]);
    expect(response.batchItemFailures).toHaveLength(1);
  });

  it('notifies nobody, and fails nothing, when the stage has no targets parameter', async () => {
    ssm
      .on(GetParameterCommand, { Name: TARGETS })
      .rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    // Past the 5 minutes the worker keeps the targets it read.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 301_000);
    const called = receivers({});
    const response = await invoke();
    expect(called).toEqual([]);
    expect(response.batchItemFailures).toEqual([]);
  });
});
