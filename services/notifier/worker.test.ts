import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { cloudFormationTags } from '../../scripts/serverless/cloudformation-yaml.ts';
import { batchSizeFor } from '../../scripts/serverless/consumer-resources.ts';
import { type RetryConfig, sqsRetrySchedule } from '../../shared/retry-schedule.ts';

// The notifier's rules per target, with AWS mocked and the receivers stubbed: each target on its
// own, 410 stops that target, no delivery is started without the time to finish it.
const secret = `whsec_${Buffer.from('a-test-secret-of-some-length').toString('base64')}`;
const TARGETS = '/shop/test/webhook-targets';
const ssm = mockClient(SSMClient);
const dynamo = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
let handler: (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;
// The deployed schedule and function timeout (serverless.yml's defaults), as the plugin passes them.
type NotifierParams = {
  webhookRetry: RetryConfig;
  webhookFunctionTimeout: number;
  webhookTimeoutMs: number;
  webhookSecondsPerRecord: number;
};
const params = (
  parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), {
    customTags: cloudFormationTags,
  }) as { params: Record<string, Partial<NotifierParams>> }
).params;
const { webhookRetry, webhookFunctionTimeout } = params.default as NotifierParams;

beforeAll(async () => {
  for (const [name, value] of Object.entries({
    SERVICE_NAME: 'notifier',
    EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:events',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/notifier-dlq',
    IDEMPOTENCY_TABLE: 'idempotency',
    WEBHOOK_TARGETS_PARAMETER: TARGETS,
    WEBHOOK_SECRETS_PATH: '/shop/test/webhooks/',
    WEBHOOK_TIMEOUT_MS: '1000',
    RETRY_BASE_DELAY_SECONDS: String(webhookRetry.baseDelaySeconds),
    RETRY_MAX_DELAY_SECONDS: String(webhookRetry.maxDelaySeconds),
    MAX_RECEIVE_COUNT: String(webhookRetry.maxReceiveCount),
    SECONDS_PER_RECORD: '2', // as serverless.yml's secondsPerRecord sets it
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

  it('keeps a delivery record past the longest retry schedule SQS can run: no retry delivers twice', async () => {
    receivers({});
    const before = Date.now() / 1000;
    await invoke();
    const expiresIn = dynamo
      .commandCalls(PutItemCommand)
      .map((c) => Number(c.args[0].input.Item?.expiration?.N) - before);
    // Every receive as long as the function may run, every receiver asking for the longest wait.
    const longest = sqsRetrySchedule(webhookRetry, {
      visibilityTimeoutSeconds: 6 * webhookFunctionTimeout,
      handlingSeconds: webhookFunctionTimeout,
      retryAfterSeconds: Number.POSITIVE_INFINITY,
    });
    expect(expiresIn).toHaveLength(2); // one per target
    for (const seconds of expiresIn) expect(seconds).toBeGreaterThan(longest.totalSeconds);
  });

  it('starts no delivery the invocation has no time to finish: the record is retried', async () => {
    const called = receivers({});
    const response = await invoke(1_500); // under the 2 s a record may take
    expect(called).toEqual([]);
    expect(response.batchItemFailures).toHaveLength(1);
  });
});

// Last in this file: they leave the worker's caches holding a bad targets parameter.
describe('the notifier without usable webhook targets', () => {
  // Each step past every cache the previous ones filled (Powertools' 5 minutes, the worker's miss).
  const start = Date.now();
  let skipped = 0;
  const pastCaches = () => {
    skipped += 400_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(start + skipped);
  };
  const targetsParameter = (answer: { Value: string } | Error) => {
    const on = ssm.on(GetParameterCommand, { Name: TARGETS });
    if (answer instanceof Error) on.rejects(answer);
    else on.resolves({ Parameter: answer });
  };
  /** The WebhookTargetsUnavailable counts in the EMF lines `run` printed, with their dimensions. */
  const unavailableCounts = async (run: () => Promise<unknown>) => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(...String(chunk).split('\n'));
      return true;
    });
    try {
      await run();
    } finally {
      write.mockRestore();
    }
    return lines
      .filter((line) => line.includes('"WebhookTargetsUnavailable"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .map(({ service, WebhookTargetsUnavailable, _aws }) => ({
        service,
        WebhookTargetsUnavailable,
        dimensions: (_aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> })
          .CloudWatchMetrics[0]?.Dimensions,
      }));
  };
  const counted = [
    { service: 'notifier', WebhookTargetsUnavailable: 1, dimensions: [['service']] },
  ];
  const failureMessages = () =>
    sqs
      .commandCalls(SendMessageCommand)
      .map((c) => c.args[0].input.MessageAttributes?.['failure.message']?.StringValue);

  // Metrics are off in the unit tier; on for the one this counts (created on its first use).
  beforeAll(() => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  });
  afterAll(() => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  });

  it('retries a record, counted, while the targets parameter is not valid JSON or not a list of targets', async () => {
    for (const Value of [
      '[{"name": "first"',
      '[{"name": "First", "url": "ftp://first.example"}]',
    ]) {
      pastCaches();
      targetsParameter({ Value });
      const called = receivers({});
      let response: SQSBatchResponse | undefined;
      expect(await unavailableCounts(async () => (response = await invoke()))).toEqual(counted);
      expect(called).toEqual([]);
      expect(response?.batchItemFailures).toHaveLength(1);
      expect(deadLetterCodes()).toEqual([]);
    }
  });

  it('retries a record, counted, while the targets parameter does not exist, and dead-letters it with the reason on its last receive', async () => {
    pastCaches();
    targetsParameter(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    const called = receivers({});
    let response: SQSBatchResponse | undefined;
    expect(await unavailableCounts(async () => (response = await invoke()))).toEqual(counted);
    expect(response?.batchItemFailures).toHaveLength(1);
    // Within the worker's 5 minutes it is not asked again, and still counted.
    const last = {
      ...record(),
      attributes: { ApproximateReceiveCount: String(webhookRetry.maxReceiveCount) },
    };
    expect(await unavailableCounts(() => invoke(30_000, last))).toEqual(counted);
    expect(called).toEqual([]);
    expect(notified()).toEqual([]);
    expect(deadLetterCodes()).toEqual(['ConfigError']);
    expect(failureMessages()[0]).toContain(`SSM parameter ${TARGETS} does not exist`);
  });
});

describe('notifier batch: records one after another, each within one webhook wait', () => {
  const stage = (name: string) => ({ ...params.default, ...params[name] }) as NotifierParams;

  it('fits its batch in its timeout, on default and on the chaos stage in the same shape', () => {
    const [prod, chaos] = [stage('default'), stage('chaos')];
    for (const s of [prod, chaos]) {
      // A record's time covers the wait on its receivers and the writes around it.
      expect(s.webhookSecondsPerRecord).toBeGreaterThan(s.webhookTimeoutMs / 1000);
      expect(batchSizeFor(s.webhookFunctionTimeout, s.webhookSecondsPerRecord)).toBe(8);
    }
    expect(chaos.webhookRetry.maxReceiveCount).toBe(prod.webhookRetry.maxReceiveCount);
  });
});

describe('the alarm on an unusable targets parameter', () => {
  it('watches the metric the worker counts, and notifies the alerts topic', () => {
    const { resources } = parse(
      readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'),
      { customTags: cloudFormationTags },
    ) as { resources: { Resources: Record<string, { Properties: Record<string, unknown> }> } };
    expect(resources.Resources.WebhookTargetsUnavailableAlarm?.Properties).toMatchObject({
      MetricName: 'WebhookTargetsUnavailable',
      Dimensions: [{ Name: 'service', Value: 'notifier' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});
