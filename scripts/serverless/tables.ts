// A Serverless Framework plugin (serverless.yml → plugins): one entry under `custom.tables` is a
// table a service owns, and, with `outbox: true`, everything that publishes the events written
// to it through the transactional outbox (shared/outbox.ts, docs/outbox.md):
//
//   <Name>Table                  on-demand, encrypted (SSE), point-in-time recovery, deletion
//                                protection where the entry says so (param deletionProtection:
//                                prod), TTL on `expiresAt`; a stream of new images with the outbox
//   Output <Name>TableName
// and with `outbox: true`:
//   <name>OutboxRelay            shared/outbox-relay-function.ts on the table's stream: only new
//                                outbox items reach it (a filter), from the oldest record kept,
//                                a failed batch bisected and retried, bounded by attempts and by
//                                age, then a pointer to it sent to …
//   <Name>OutboxDeadLetterQueue  … 14 days, SSE-SQS: `npm run dlq -- redrive <name>-outbox`
//                                republishes the outbox items of each failed batch
//   <Name>OutboxRelayRole        its log group, its table's stream, the topic, its DLQ: nothing more
//   <Name>OutboxDeadLetterAlarm, <Name>OutboxRelayErrorsAlarm, <Name>OutboxIteratorAgeAlarm
//   Output <Name>OutboxDeadLetterQueueUrl
//
// The functions that write the table get their own statements for it (a role per function).
import { functionErrorsAlarm, functionLogicalId } from './alarms.ts';
import { camelCase as camel, pascalCase as pascal } from './case.ts';

export interface TableEntry {
  /** The partition key attribute (a string), and the sort key when the table has one. */
  partitionKey: string;
  sortKey?: string;
  /** Publish the events written with the table's changes (shared/outbox.ts). */
  outbox?: boolean;
  /** Refuse to delete the table (a stack update or removal cannot drop it). */
  deletionProtection?: boolean | string;
}

type Json = Record<string, unknown>;

export interface TableInput {
  service: string;
  stage: string;
  iam: { lambdaTrust: Json; publishToEncryptedTopic: Json };
  dlqAlarm: Json;
  alarmActions: Json;
}

/** The TTL attribute of every such table: outbox items expire, and so may a service's own items. */
export const TTL_ATTRIBUTE = 'expiresAt';
const EVENTS_TOPIC = 'EventsTopic';
const DLQ_RETENTION_SECONDS = 1_209_600; // 14 days to inspect and redrive
export const RELAY_HANDLER = 'shared/outbox-relay-function.handler';
/**
 * Retries of a failed batch (each half of a bisected one counts) and the oldest record it keeps
 * trying: an SNS outage of up to an hour holds the shard, then the batch's pointer is
 * dead-lettered and the records behind it flow again. Outbox items outlive both (15 days).
 */
export const RELAY_RETRY = { maximumRetryAttempts: 10, maximumRecordAgeInSeconds: 3600 };
/** Records per relay invocation: a retried batch publishes again at most this many events. */
export const RELAY_BATCH_SIZE = 25;
/** The relay is behind by more than this (ms) for five minutes: alarm. */
const ITERATOR_AGE_ALARM_MS = 60_000;

/** Logical ids and the function key the entry `name` gets. */
export function tableIds(name: string) {
  const id = pascal(name);
  return {
    table: `${id}Table`,
    tableOutput: `${id}TableName`,
    relayFunction: `${camel(name)}OutboxRelay`,
    relayRole: `${id}OutboxRelayRole`,
    relayLogGroup: `${id}OutboxRelayLogGroup`,
    deadLetterQueue: `${id}OutboxDeadLetterQueue`,
    deadLetterAlarm: `${id}OutboxDeadLetterAlarm`,
    errorsAlarm: `${id}OutboxRelayErrorsAlarm`,
    iteratorAgeAlarm: `${id}OutboxIteratorAgeAlarm`,
    deadLetterOutput: `${id}OutboxDeadLetterQueueUrl`,
  };
}

const truthy = (value: boolean | string | undefined) => value === true || value === 'true';

/** The function (when the table has an outbox) and the resources and outputs of one table. */
export function describeTable(name: string, entry: TableEntry, input: TableInput) {
  const ids = tableIds(name);
  const prefix = `${input.service}-${input.stage}-${name}`;
  const keys = [entry.partitionKey, ...(entry.sortKey ? [entry.sortKey] : [])];
  const streamArn = { 'Fn::GetAtt': [ids.table, 'StreamArn'] };

  const resources: Record<string, Json> = {
    [ids.table]: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: prefix,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map((key) => ({ AttributeName: key, AttributeType: 'S' })),
        KeySchema: keys.map((key, i) => ({ AttributeName: key, KeyType: i ? 'RANGE' : 'HASH' })),
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: truthy(entry.deletionProtection),
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        ...(entry.outbox ? { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } } : {}),
      },
    },
  };
  const outputs: Record<string, Json> = { [ids.tableOutput]: { Value: { Ref: ids.table } } };
  if (!entry.outbox) return { resources, outputs, functions: {} };

  const deadLetterArn = { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] };
  const relay = {
    name: `${input.service}-${input.stage}-${ids.relayFunction}`,
    handler: RELAY_HANDLER,
    role: ids.relayRole,
    environment: { SERVICE_NAME: `${name}-outbox`, EVENTS_TOPIC_ARN: { Ref: EVENTS_TOPIC } },
    events: [
      {
        stream: {
          type: 'dynamodb',
          arn: streamArn,
          startingPosition: 'TRIM_HORIZON', // what was written before the mapping existed too
          batchSize: RELAY_BATCH_SIZE,
          bisectBatchOnFunctionError: true,
          ...RELAY_RETRY,
          // New outbox items only: the table's own changes and expiring items never invoke it.
          filterPatterns: [
            { eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['outbox'] } } } },
          ],
          destinations: { onFailure: { arn: deadLetterArn, type: 'sqs' } },
        },
      },
    ],
  };
  Object.assign(resources, {
    [ids.deadLetterQueue]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: `${prefix}-outbox-dlq`,
        MessageRetentionPeriod: DLQ_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
      },
    },
    [ids.relayRole]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: input.iam.lambdaTrust,
        Policies: [
          {
            PolicyName: `${name}-outbox-relay`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: { 'Fn::GetAtt': [ids.relayLogGroup, 'Arn'] },
                },
                {
                  Effect: 'Allow', // the event source mapping reads the stream as the function
                  Action: [
                    'dynamodb:DescribeStream',
                    'dynamodb:GetRecords',
                    'dynamodb:GetShardIterator',
                    'dynamodb:ListStreams',
                  ],
                  Resource: streamArn,
                },
                { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: EVENTS_TOPIC } },
                input.iam.publishToEncryptedTopic,
                {
                  Effect: 'Allow', // the on-failure destination is sent as the function too
                  Action: 'sqs:SendMessage',
                  Resource: deadLetterArn,
                },
              ],
            },
          },
        ],
      },
    },
    [ids.deadLetterAlarm]: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        ...input.dlqAlarm,
        AlarmName: `${prefix}-outbox-dlq-not-empty`,
        AlarmDescription: `The ${name} outbox relay gave up on a batch: npm run dlq -- redrive ${name}-outbox`,
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.deadLetterQueue, 'QueueName'] } },
        ],
      },
    },
    [ids.errorsAlarm]: functionErrorsAlarm({
      name: `${prefix}-outbox-relay`,
      functionName: ids.relayFunction,
      actions: input.alarmActions,
    }),
    [ids.iteratorAgeAlarm]: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${prefix}-outbox-behind`,
        AlarmDescription: `The ${name} outbox relay is more than ${ITERATOR_AGE_ALARM_MS / 1000} s behind its table's writes (failing or too slow): events wait`,
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: functionLogicalId(ids.relayFunction) } },
        ],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 5,
        Threshold: ITERATOR_AGE_ALARM_MS,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: input.alarmActions,
      },
    },
  });
  outputs[ids.deadLetterOutput] = { Value: { Ref: ids.deadLetterQueue } };
  return { resources, outputs, functions: { [ids.relayFunction]: relay } };
}

/** A key attribute's name: never one an outbox item or the TTL writes (shared/outbox.ts). */
const KEY_NAME = {
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  not: { enum: ['kind', 'type', 'source', 'eventId', 'body', 'writtenAt', TTL_ATTRIBUTE] },
};

/** JSON schema of `custom.tables`: the framework rejects a typo before anything is built. */
export const tablesSchema = {
  type: 'object',
  propertyNames: { pattern: '^[a-z][a-z0-9-]*$' },
  additionalProperties: {
    type: 'object',
    properties: {
      partitionKey: KEY_NAME,
      sortKey: KEY_NAME,
      outbox: { type: 'boolean' },
      deletionProtection: { anyOf: [{ type: 'boolean' }, { enum: ['true', 'false'] }] },
    },
    required: ['partitionKey'],
    additionalProperties: false,
  },
};

interface Serverless {
  configSchemaHandler: { defineCustomProperties(schema: unknown): void };
  service: {
    service: string;
    provider: { stage: string };
    custom: {
      tables?: Record<string, TableEntry>;
      iam: TableInput['iam'];
      dlqAlarm: Json;
      alarmActions: Json;
    };
    functions: Record<string, unknown>;
    resources: { Resources: Record<string, unknown>; Outputs?: Record<string, unknown> };
  };
}

export default class Tables {
  hooks: Record<string, () => void>;
  constructor(serverless: Serverless) {
    serverless.configSchemaHandler.defineCustomProperties({
      properties: { tables: tablesSchema },
    });
    this.hooks = { initialize: () => addTables(serverless) };
  }
}

function addTables(serverless: Serverless): void {
  const { service } = serverless;
  service.resources.Outputs ??= {};
  for (const [name, entry] of Object.entries(service.custom.tables ?? {})) {
    const table = describeTable(name, entry, {
      service: service.service,
      stage: service.provider.stage,
      iam: service.custom.iam,
      dlqAlarm: service.custom.dlqAlarm,
      alarmActions: service.custom.alarmActions,
    });
    Object.assign(service.functions, table.functions);
    Object.assign(service.resources.Resources, table.resources);
    Object.assign(service.resources.Outputs, table.outputs);
  }
}
