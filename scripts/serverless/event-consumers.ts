// A Serverless Framework plugin (serverless.yml → plugins): one entry under `custom.consumers`
// becomes everything a queue consumer needs, written once here instead of once per service:
//
//   <Name>DeadLetterQueue   14-day retention, SSE-SQS
//   <Name>Queue             SSE-SQS, visibility 6× the function timeout, redrive to the DLQ after
//                           retry.maxReceiveCount + 1 receives: the worker dead-letters with a
//                           reason on its last scheduled one, and on the extra one what an
//                           invocation that died left (shared/middleware/invocations-died.ts)
//   <Name>Subscription      raw delivery from the events topic, filter policy on `type` =
//                           the service's `consumes` in events/topology.json
//   <Name>QueuePolicy       only the events topic may send
//   <Name>DeadLetterAlarm   any message in the DLQ → the alerts topic
//   <Name>WorkerRole        its log group, its queue, its DLQ, the idempotency table (unless
//                           `idempotency: handler`), the topic
//                           (when it publishes), plus the entry's own `statements` — nothing more
//   <name>Worker            the function: partial batch responses, retry settings in its env
//   Output <Name>DeadLetterQueueUrl
//   Dashboard               once per stage: a row per consumer, webhooks, HTTP API, functions
//                           (scripts/serverless/dashboard.ts)
//
// It runs at `initialize` (before any command), when every variable is resolved, and uses the
// building blocks serverless.yml declares in `custom.iam` and `custom.dlqAlarm`.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type ConsumerEntry, type ConsumerInput, describeConsumer } from './consumer-resources.ts';
import { dashboardBody } from './dashboard.ts';

const retrySchema = {
  type: 'object',
  properties: {
    baseDelaySeconds: { type: 'integer', minimum: 0, maximum: 43_200 },
    maxDelaySeconds: { type: 'integer', minimum: 0, maximum: 43_200 },
    // SQS's most is 1000, and the queue gets one receive more than the worker's schedule.
    maxReceiveCount: { type: 'integer', minimum: 1, maximum: 999 },
  },
  required: ['baseDelaySeconds', 'maxDelaySeconds', 'maxReceiveCount'],
  additionalProperties: false,
};

/** JSON schema of `custom.consumers`: the framework rejects a typo before anything is built. */
export const consumersSchema = {
  type: 'object',
  propertyNames: { pattern: '^[a-z][a-z0-9-]*$' },
  additionalProperties: {
    type: 'object',
    properties: {
      handler: { type: 'string' },
      retry: retrySchema,
      publishes: { type: 'boolean' },
      idempotency: { enum: ['table', 'handler'] },
      environment: { type: 'object' },
      statements: { type: 'array' },
      maximumConcurrency: { type: 'integer', minimum: 2, maximum: 1000 },
      secondsPerRecord: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'string' }] },
      function: { type: 'object' },
    },
    required: ['handler', 'retry', 'idempotency'],
    additionalProperties: false,
  },
};

interface Serverless {
  serviceDir: string;
  configSchemaHandler: { defineCustomProperties(schema: unknown): void };
  service: {
    service: string;
    provider: { stage: string; timeout?: number };
    custom: {
      consumers?: Record<string, ConsumerEntry>;
      iam: ConsumerInput['iam'];
      dlqAlarm: Record<string, unknown>;
      alarmActions: Record<string, unknown>;
      oldestMessageAlarmSeconds: number | string;
    };
    functions: Record<string, unknown>;
    resources: { Resources: Record<string, unknown>; Outputs?: Record<string, unknown> };
  };
}

export default class EventConsumers {
  hooks: Record<string, () => void>;
  constructor(serverless: Serverless) {
    serverless.configSchemaHandler.defineCustomProperties({
      properties: { consumers: consumersSchema },
    });
    this.hooks = {
      initialize: () => addConsumers(serverless),
      // A stack of no functions yet (a fork after remove:examples) must still package:
      // serverless-esbuild then copies a work folder it never made (serverless-esbuild#503).
      'before:package:createDeploymentArtifacts': () => {
        if (Object.keys(serverless.service.functions).length > 0) return;
        mkdirSync(path.join(serverless.serviceDir, '.esbuild', '.serverless'), { recursive: true });
      },
    };
  }
}

function addConsumers(serverless: Serverless): void {
  const { service } = serverless;
  const topology = JSON.parse(
    readFileSync(path.join(serverless.serviceDir, 'events', 'topology.json'), 'utf8'),
  ) as { services: Record<string, { consumes: string[] }> };
  service.resources.Outputs ??= {};
  for (const [name, entry] of Object.entries(service.custom.consumers ?? {})) {
    const consumes = topology.services[name]?.consumes;
    if (!consumes?.length) {
      throw new Error(
        `custom.consumers.${name}: events/topology.json lists no event types that "${name}" consumes`,
      );
    }
    const consumer = describeConsumer(name, entry, {
      service: service.service,
      stage: service.provider.stage,
      defaultTimeout: service.provider.timeout ?? 6,
      consumes,
      iam: service.custom.iam,
      dlqAlarm: service.custom.dlqAlarm,
      alarms: {
        actions: service.custom.alarmActions,
        oldestMessageSeconds: Number(service.custom.oldestMessageAlarmSeconds),
      },
    });
    service.functions[consumer.functionName] = consumer.function;
    Object.assign(service.resources.Resources, consumer.resources);
    Object.assign(service.resources.Outputs, consumer.outputs);
  }
  const consumers = Object.entries(service.custom.consumers ?? {});
  if (!consumers.length) return;
  const functions = Object.entries(service.functions) as Array<
    [string, { events?: Array<Record<string, unknown>> }]
  >;
  const body = dashboardBody({
    namespace: `${service.service}/${service.provider.stage}`,
    prefix: `${service.service}-${service.provider.stage}`,
    consumers: consumers.map(([name]) => name),
    functions: functions.map(([name]) => name),
    httpApi: functions.some(([, fn]) => fn.events?.some((e) => 'httpApi' in e))
      ? 'HttpApi'
      : undefined,
    webhooks: consumers.some(
      ([, entry]) => entry.environment?.WEBHOOK_TARGETS_PARAMETER !== undefined,
    ),
  });
  service.resources.Resources.Dashboard = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: `${service.service}-${service.provider.stage}`,
      DashboardBody: { 'Fn::Sub': JSON.stringify(body) },
    },
  };
}
