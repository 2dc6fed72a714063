import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { topology } from './events/topology.ts';
import { functionLogicalId } from './scripts/serverless/alarms.ts';
import { cloudFormationTags as customTags } from './scripts/serverless/cloudformation-yaml.ts';
import {
  type ConsumerEntry,
  consumerIds,
  type RetrySchedule,
} from './scripts/serverless/consumer-resources.ts';
import { tableIds } from './scripts/serverless/tables.ts';
import { sqsRetrySchedule } from './shared/retry-schedule.ts';
import { stubWorkerEnv } from './test/support/worker-env.ts';

// Invariants of the CloudFormation that `serverless package` generates from serverless.yml.
// Packaging is offline; the template is what gets deployed to AWS and to the emulator.
// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
// Every service in topology.json that consumes is a queue consumer (custom.consumers in
// serverless.yml); an HTTP service may consume nothing.
const consumers = Object.entries(topology.services)
  .filter(([, s]) => s.consumes.length > 0)
  .map(([name]) => name);
// The tables with an outbox (custom.tables): each has a relay on its stream, with a DLQ.
const { custom } = parse(readFileSync('serverless.yml', 'utf8'), { customTags }) as {
  custom: { tables?: Record<string, { outbox?: boolean }> | null };
};
const outboxTables = Object.entries(custom.tables ?? {})
  .filter(([, t]) => t.outbox)
  .map(([name]) => name);
const outDir = mkdtempSync(path.join(tmpdir(), 'sls-package-'));

beforeAll(() => {
  execFileSync('node_modules/.bin/serverless', ['package', '--stage', 'dev', '--package', outDir], {
    stdio: 'ignore',
    // The chaos run's switch is set on purpose: a dev package must ignore it.
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      LOCAL_FUNCTIONS_AWS_ENDPOINT: 'http://127.0.0.1:4567',
    },
  });
  const template = JSON.parse(
    readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  resources = template.Resources;
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('custom.tables → a table with an outbox', () => {
  it('relays each outbox table from its stream: new outbox items only, bisected, bounded, to a DLQ', () => {
    for (const name of outboxTables) {
      const ids = tableIds(name);
      const [, mapping] =
        ofType('AWS::Lambda::EventSourceMapping').find(
          ([, m]) => logicalId(m.Properties.FunctionName) === functionLogicalId(ids.relayFunction),
        ) ?? [];
      expect(mapping?.Properties).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': [ids.table, 'StreamArn'] },
        BisectBatchOnFunctionError: true,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] } },
        },
      });
      expect(mapping?.Properties.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(mapping?.Properties.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
      expect(JSON.parse(mapping?.Properties.FilterCriteria.Filters[0].Pattern)).toEqual({
        eventName: ['INSERT'],
        dynamodb: { NewImage: { kind: { S: ['outbox'] } } },
      });
      expect(resources[ids.table]?.Properties.StreamSpecification).toEqual({
        StreamViewType: 'NEW_IMAGE',
      });
    }
  });
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/** The event source mappings of queues (the consumers'), not of table streams (the relays'). */
const queueMappings = () =>
  ofType('AWS::Lambda::EventSourceMapping').filter(
    ([, m]) => resources[logicalId(m.Properties.EventSourceArn) ?? '']?.Type === 'AWS::SQS::Queue',
  );
const logicalId = (ref: unknown): string | undefined => {
  const r = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return r.Ref ?? r['Fn::GetAtt']?.[0];
};

describe('serverless.yml → CloudFormation', () => {
  it('gives every function its own role, on nodejs24.x and arm64', () => {
    const functions = ofType('AWS::Lambda::Function');
    for (const consumer of consumers) {
      const { functionName, role } = consumerIds(consumer);
      const id = `${functionName[0]?.toUpperCase()}${functionName.slice(1)}LambdaFunction`;
      expect(logicalId(resources[id]?.Properties.Role), consumer).toBe(role);
    }
    const roles = functions.map(([, f]) => logicalId(f.Properties.Role));
    expect(new Set(roles).size).toBe(functions.length);
    for (const [, f] of functions) {
      expect(f.Properties.Runtime).toBe('nodejs24.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it("separates the idempotency table per function: each role reaches only its own keys' prefix", () => {
    const prefixes = ofType('AWS::IAM::Role').flatMap(([role, r]) =>
      (r.Properties.Policies ?? [])
        .flatMap((p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement)
        .filter(
          (s: { Resource?: unknown }) =>
            logicalId(s.Resource) === 'IdempotencyTable' ||
            JSON.stringify(s.Resource ?? '').includes('IdempotencyTable'),
        )
        .map((s: { Condition?: Record<string, Record<string, string[]>> }) => {
          const keys = s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
          expect(keys, `${role} reaches the whole idempotency table`).toHaveLength(1);
          return keys?.[0];
        }),
    );
    expect(new Set(prefixes).size, `shared prefixes: ${prefixes}`).toBe(prefixes.length);
    // A consumer's keyPrefix is its name; that it matches its entry is checked below.
    const { custom } = parse(readFileSync('serverless.yml', 'utf8'), { customTags }) as {
      custom: { consumers: Record<string, ConsumerEntry> };
    };
    for (const [name, entry] of Object.entries(custom.consumers ?? {}))
      if (entry.idempotency !== 'handler') expect(prefixes).toContain(`${name}#*`);
  });

  it('grants no SNS, SQS or DynamoDB action on a "*" resource', () => {
    for (const [name, role] of ofType('AWS::IAM::Role')) {
      for (const policy of role.Properties.Policies ?? []) {
        for (const statement of policy.PolicyDocument.Statement) {
          const actions = [statement.Action].flat() as string[];
          const scoped = actions.some((a) => /^(sns|sqs|dynamodb):/.test(a));
          if (scoped) expect([statement.Resource].flat(), `${name} ${actions}`).not.toContain('*');
        }
      }
    }
  });

  it('maps each queue with partial batch responses and a visibility timeout ≥ 6× the function timeout', () => {
    const mappings = queueMappings();
    expect(mappings.length).toBe(consumers.length);
    for (const [, mapping] of mappings) {
      const fn = resources[logicalId(mapping.Properties.FunctionName) ?? ''];
      const queue = resources[logicalId(mapping.Properties.EventSourceArn) ?? ''];
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      // 10, or what fits one record after another (secondsPerRecord): never more than the time.
      expect(mapping.Properties.BatchSize).toBeGreaterThanOrEqual(1);
      expect(mapping.Properties.BatchSize).toBeLessThanOrEqual(10);
      expect(mapping.Properties.MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
      expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
        6 * fn?.Properties.Timeout,
      );
      const dlq = resources[logicalId(queue?.Properties.RedrivePolicy.deadLetterTargetArn) ?? ''];
      expect(dlq?.Properties.MessageRetentionPeriod).toBe(1_209_600);
    }
  });

  it('subscribes each service queue with raw delivery and the filter policy from topology.json', () => {
    const subscriptions = ofType('AWS::SNS::Subscription');
    for (const [service, { consumes }] of Object.entries(topology.services)) {
      if (!consumes.length) continue;
      const queueId = consumerIds(service).queue;
      const subscription = subscriptions.find(
        ([, s]) => logicalId(s.Properties.Endpoint) === queueId,
      )?.[1];
      expect(subscription?.Properties).toMatchObject({
        RawMessageDelivery: true,
        FilterPolicy: { type: consumes },
      });
    }
  });

  it('lets only the events topic send to each queue', () => {
    for (const [, policy] of ofType('AWS::SQS::QueuePolicy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        expect(statement.Condition.ArnEquals['aws:SourceArn']).toEqual({ Ref: 'EventsTopic' });
      }
    }
    expect(ofType('AWS::SQS::QueuePolicy').length).toBe(consumers.length);
  });

  it('encrypts topics, queues and tables, keeps idempotency records on a TTL and alarms on every DLQ', () => {
    for (const [, topic] of ofType('AWS::SNS::Topic'))
      expect(topic.Properties.KmsMasterKeyId).toBeTruthy();
    for (const [, queue] of ofType('AWS::SQS::Queue'))
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    for (const [, table] of ofType('AWS::DynamoDB::Table'))
      expect(table.Properties.SSESpecification.SSEEnabled).toBe(true);
    expect(resources.IdempotencyTable?.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiration',
      Enabled: true,
    });
    const alarmed = ofType('AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map(([, a]) => logicalId(a.Properties.Dimensions[0].Value));
    expect(alarmed.sort()).toEqual(
      [
        ...consumers.map((c) => consumerIds(c).deadLetterQueue),
        ...outboxTables.map((t) => tableIds(t).deadLetterQueue),
      ].sort(),
    );
  });

  it("alarms on every queue's oldest message, every function's errors and the API's 5xx", () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const watched = (metric: string) =>
      alarms
        .filter((a) => a.MetricName === metric)
        .map((a) => logicalId(a.Dimensions[0].Value))
        .sort();
    expect(watched('ApproximateAgeOfOldestMessage')).toEqual(
      consumers.map((c) => consumerIds(c).queue).sort(),
    );
    expect(watched('Errors')).toEqual(
      ofType('AWS::Lambda::Function')
        .map(([id]) => id)
        .sort(),
    );
    const hasApi = ofType('AWS::ApiGatewayV2::Api').length > 0;
    expect(watched('5xx')).toEqual(hasApi ? ['HttpApi'] : []);
  });

  // CloudWatch can only publish to an encrypted topic whose key policy lets it use the key, and
  // an AWS managed key's policy (alias/aws/sns) cannot: on AWS such an alarm fails silently.
  it('sends every alarm to a topic whose key lets CloudWatch publish', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions?.length, id).toBeGreaterThan(0);
      for (const action of alarm.Properties.AlarmActions) {
        const topic = resources[logicalId(action) ?? ''];
        expect(topic?.Type, `${id} → ${JSON.stringify(action)}`).toBe('AWS::SNS::Topic');
        const keyId = topic?.Properties.KmsMasterKeyId;
        expect(
          typeof keyId === 'string' ? keyId : '',
          `${id}: its topic is encrypted with an AWS managed key`,
        ).not.toMatch(/^alias\/aws\//);
        const key = resources[logicalId(keyId) ?? ''];
        expect(key?.Type, `${id}: its topic's key is a key of this stack`).toBe('AWS::KMS::Key');
        const grants = (
          (key?.Properties.KeyPolicy.Statement ?? []) as Array<{
            Effect: string;
            Principal?: { Service?: string };
            Action: string | string[];
          }>
        ).filter(
          (s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudwatch.amazonaws.com',
        );
        const actions = grants.flatMap((s) => [s.Action].flat());
        expect(actions, id).toEqual(
          expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
        );
      }
    }
  });
});

describe('no fault hooks outside emulator stages', () => {
  it('packages dev with no endpoint override and no fault setting in any function', () => {
    for (const [name, fn] of ofType('AWS::Lambda::Function')) {
      const variables = JSON.stringify(fn.Properties.Environment?.Variables ?? {});
      expect(variables, name).not.toMatch(
        /AWS_ENDPOINT_URL|AWS_SDK_UA_APP_ID|LOCAL_FUNCTIONS|CHAOS|4567/,
      );
    }
  });
});

describe('custom.consumers → one retry schedule per consumer', () => {
  const env = (fn: Resource) => fn.Properties.Environment.Variables as Record<string, string>;

  it('gives each queue one receive more than its worker dead-letters on (the safety net), and a capped backoff', () => {
    for (const [, mapping] of queueMappings()) {
      const fn = resources[logicalId(mapping.Properties.FunctionName) ?? ''] as Resource;
      const queue = resources[logicalId(mapping.Properties.EventSourceArn) ?? ''] as Resource;
      expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(
        Number(env(fn).MAX_RECEIVE_COUNT) + 1,
      );
      expect(Number(env(fn).RETRY_MAX_DELAY_SECONDS)).toBeLessThanOrEqual(43_200); // SQS's cap
      expect(env(fn).DEAD_LETTER_QUEUE_URL).toEqual({
        Ref: logicalId(queue.Properties.RedrivePolicy.deadLetterTargetArn),
      });
    }
  });

  it('declares a webhook schedule SQS can run for about 12 h (its limit) and a short one of minutes', () => {
    const { params } = parse(readFileSync('serverless.yml', 'utf8'), { customTags }) as {
      params: { default: Record<string, RetrySchedule> };
    };
    // What SQS really runs: no visibility past 12 h after the first receive (shared/retry-schedule.ts).
    const hours = (retry: RetrySchedule) =>
      sqsRetrySchedule(retry, { visibilityTimeoutSeconds: 60 }).totalSeconds / 3600;
    expect(hours(params.default.webhookRetry as RetrySchedule)).toBeGreaterThan(11);
    expect(hours(params.default.webhookRetry as RetrySchedule)).toBeLessThanOrEqual(12.1);
    expect(hours(params.default.shortRetry as RetrySchedule)).toBeLessThan(1);
  });

  it('declares for each consumer the idempotency its worker keeps; without records, no table access', async () => {
    const { custom } = parse(readFileSync('serverless.yml', 'utf8'), { customTags }) as {
      custom: { consumers: Record<string, ConsumerEntry> };
    };
    stubWorkerEnv();
    try {
      for (const name of consumers) {
        const { handler } = await import(`./services/${name}/worker.ts`);
        const declared = custom.consumers[name]?.idempotency ?? 'table';
        expect(handler.consumer.idempotency, name).toBe(declared);
        // Its records' keys start with this name: its role's dynamodb:LeadingKeys says so.
        expect(handler.consumer.name, name).toBe(name);
        const role = resources[consumerIds(name).role] as Resource;
        const usesTable = JSON.stringify(role.Properties).includes('IdempotencyTable');
        const ownStatements = JSON.stringify(custom.consumers[name]?.statements ?? []);
        expect(usesTable, name).toBe(
          declared === 'table' || ownStatements.includes('IdempotencyTable'),
        );
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('what keeps prod and the alerts safe (each guards a fix nothing else would notice)', () => {
  it('refuses to package prod without an authorizer unless told apiPublic=true', () => {
    const { params } = parse(readFileSync('serverless.yml', 'utf8'), { customTags }) as {
      params: Record<string, Record<string, unknown>>;
    };
    expect(params.prod?.apiPublic).toBe(false);
  });

  it('rotates the alerts key, and lets CloudWatch use it only for alarms of this account', () => {
    const key = resources.AlertsKey?.Properties;
    expect(key?.EnableKeyRotation).toBe(true);
    const statements: Array<{ Principal?: { Service?: string }; Condition?: unknown }> =
      key?.KeyPolicy.Statement;
    const cloudwatch = statements.find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(cloudwatch?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
  });
});
