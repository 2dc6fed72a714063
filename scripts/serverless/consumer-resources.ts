import { functionErrorsAlarm, oldestMessageAlarm } from './alarms.ts';
import { camelCase as camel, pascalCase as pascal } from './case.ts';

// What one entry of `custom.consumers` becomes (event-consumers.ts adds it to the stack): its
// queue and DLQ, its filtered subscription and queue policy, its alarms, its least-privilege role
// and its function.

export interface RetrySchedule {
  /** Delay before the first retry; doubles with every receive. */
  baseDelaySeconds: number;
  /** No single delay is longer (SQS caps a visibility timeout at 12 h). */
  maxDelaySeconds: number;
  /** The worker's last receive, which dead-letters with a reason; its queue allows one more. */
  maxReceiveCount: number;
}

export interface ConsumerEntry {
  handler: string;
  retry: RetrySchedule;
  /** May publish events: gets the topic's ARN and sns:Publish on it. */
  publishes?: boolean;
  /**
   * As its createConsumer says (required, so the two are read side by side): `table` (matching
   * `idempotency: idempotencyTable`) keeps idempotency records, so the role may use the
   * idempotency table; `handler` keeps none, so it may not (unless its statements say so).
   */
  idempotency: 'table' | 'handler';
  environment?: Record<string, unknown>;
  /** IAM statements for what this consumer alone touches (its table, its secrets). */
  statements?: unknown[];
  /** SQS event source maximumConcurrency: protects what the consumer calls downstream. */
  maximumConcurrency?: number;
  /**
   * For a consumer that handles its records one after another (`concurrent: false`): the
   * longest one record may take. Its batch is sized so a whole batch fits in the function
   * timeout (`batchSizeFor`): a receive is never spent on a record the invocation had no time
   * to try. Without it a batch is 10 records, handled at the same time.
   */
  secondsPerRecord?: number | string;
  /** Function settings passed through as they are (memorySize, timeout, …). */
  function?: Record<string, unknown>;
}

/** The shared resources every consumer is wired to, by logical id. */
const EVENTS_TOPIC = 'EventsTopic';
const DLQ_RETENTION_SECONDS = 1_209_600; // 14 days to inspect and redrive

type Json = Record<string, unknown>;

export interface ConsumerInput {
  service: string;
  stage: string;
  /** The provider's function timeout, unless the entry sets its own. */
  defaultTimeout: number;
  /** From events/topology.json: the types this consumer's queue lets through. */
  consumes: readonly string[];
  iam: { lambdaTrust: Json; publishToEncryptedTopic: Json; useIdempotencyTable: Json };
  dlqAlarm: Json;
  /** Where every alarm goes, and how old a queue's oldest message may grow before one fires. */
  alarms: { actions: Json; oldestMessageSeconds: number };
}

/** Function and CloudFormation logical ids the framework will give this consumer. */
export function consumerIds(name: string) {
  const id = pascal(name);
  return {
    functionName: `${camel(name)}Worker`,
    queue: `${id}Queue`,
    deadLetterQueue: `${id}DeadLetterQueue`,
    subscription: `${id}Subscription`,
    queuePolicy: `${id}QueuePolicy`,
    alarm: `${id}DeadLetterAlarm`,
    oldestMessageAlarm: `${id}OldestMessageAlarm`,
    errorsAlarm: `${id}WorkerErrorsAlarm`,
    role: `${id}WorkerRole`,
    logGroup: `${id}WorkerLogGroup`,
    output: `${id}DeadLetterQueueUrl`,
  };
}

/**
 * The idempotency table, limited to the records whose keys start with `prefix#` — Powertools'
 * key is `<keyPrefix>#<hash>`, and a consumer's keyPrefix is its name — so no function reads or
 * overwrites another's records in the shared table.
 */
export function ownIdempotencyRecords(statement: Json, prefix: string): Json {
  return {
    ...(statement as object),
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}#*`] } },
  };
}

/** Of the function timeout, what a batch may plan to use: the rest covers a cold start. */
const BATCH_SHARE_OF_TIMEOUT = 0.8;

/**
 * Records per batch (1–10, SQS's most for a standard queue): as many as fit, one after another,
 * in the share of the timeout a batch may use.
 */
export function batchSizeFor(timeoutSeconds: number, secondsPerRecord?: number): number {
  if (!secondsPerRecord) return 10;
  const fits = Math.floor((timeoutSeconds * BATCH_SHARE_OF_TIMEOUT) / secondsPerRecord);
  if (fits < 1)
    throw new Error(
      `A record may take ${secondsPerRecord} s but the function has ${timeoutSeconds} s (${BATCH_SHARE_OF_TIMEOUT * 100}% of it for a batch): raise its timeout (function.timeout) or lower secondsPerRecord`,
    );
  return Math.min(10, fits);
}

/** What its role allows: its log group, its queue, its DLQ, the topic and the idempotency table as it needs them, and its own statements. */
function workerStatements(name: string, entry: ConsumerEntry, input: ConsumerInput): unknown[] {
  const ids = consumerIds(name);
  const queueArn = { 'Fn::GetAtt': [ids.queue, 'Arn'] };
  return [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [ids.logGroup, 'Arn'] },
    },
    {
      Effect: 'Allow', // the event source mapping, plus retry backoff
      Action: [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ChangeMessageVisibility',
      ],
      Resource: queueArn,
    },
    {
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] },
    },
    ...(entry.publishes
      ? [
          { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: EVENTS_TOPIC } },
          input.iam.publishToEncryptedTopic,
        ]
      : []),
    ...(entry.idempotency === 'handler'
      ? []
      : [ownIdempotencyRecords(input.iam.useIdempotencyTable, name)]),
    ...(entry.statements ?? []),
  ];
}

/** The function: its handler, role and settings, retry schedule in its environment, its queue as its event source. */
function workerFunction(name: string, entry: ConsumerEntry, input: ConsumerInput, timeout: number) {
  const ids = consumerIds(name);
  const queueArn = { 'Fn::GetAtt': [ids.queue, 'Arn'] };
  return {
    name: `${input.service}-${input.stage}-${ids.functionName}`,
    ...entry.function,
    handler: entry.handler,
    role: ids.role,
    environment: {
      SERVICE_NAME: name,
      ...(entry.publishes ? { EVENTS_TOPIC_ARN: { Ref: EVENTS_TOPIC } } : {}),
      DEAD_LETTER_QUEUE_URL: { Ref: ids.deadLetterQueue },
      RETRY_BASE_DELAY_SECONDS: String(entry.retry.baseDelaySeconds),
      RETRY_MAX_DELAY_SECONDS: String(entry.retry.maxDelaySeconds),
      MAX_RECEIVE_COUNT: String(entry.retry.maxReceiveCount), // the last receive dead-letters with a reason
      ...(entry.secondsPerRecord === undefined
        ? {}
        : { SECONDS_PER_RECORD: String(entry.secondsPerRecord) }), // no record starts without it
      ...Object.fromEntries(
        Object.entries(entry.environment ?? {}).map(([key, value]) => [
          key,
          typeof value === 'object' ? value : String(value), // Lambda wants strings; intrinsics stay
        ]),
      ),
    },
    events: [
      {
        sqs: {
          arn: queueArn,
          batchSize: batchSizeFor(
            timeout,
            entry.secondsPerRecord === undefined ? undefined : Number(entry.secondsPerRecord),
          ),
          maximumBatchingWindow: 1,
          functionResponseType: 'ReportBatchItemFailures',
          ...(entry.maximumConcurrency ? { maximumConcurrency: entry.maximumConcurrency } : {}),
        },
      },
    ],
  };
}

/** Its queue and DLQ, the topic's filtered subscription to it, and the policy that lets only the topic send. */
function queueResources(
  name: string,
  entry: ConsumerEntry,
  input: ConsumerInput,
  timeout: number,
): Record<string, Json> {
  const ids = consumerIds(name);
  const prefix = `${input.service}-${input.stage}-${name}`;
  const queueArn = { 'Fn::GetAtt': [ids.queue, 'Arn'] };
  return {
    [ids.deadLetterQueue]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: `${prefix}-dlq`,
        MessageRetentionPeriod: DLQ_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
      },
    },
    [ids.queue]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: prefix,
        VisibilityTimeout: 6 * timeout, // AWS's advice for an SQS event source
        SqsManagedSseEnabled: true, // SSE-SQS: SNS can deliver to it, unlike the aws/sqs KMS key
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] },
          // One more than the worker's schedule: the safety net it dead-letters, with a reason,
          // what a dead invocation left on its last receive; SQS's silent move only after that.
          maxReceiveCount: entry.retry.maxReceiveCount + 1,
        },
      },
    },
    [ids.subscription]: {
      Type: 'AWS::SNS::Subscription',
      Properties: {
        TopicArn: { Ref: EVENTS_TOPIC },
        Protocol: 'sqs',
        Endpoint: queueArn,
        RawMessageDelivery: true,
        FilterPolicy: { type: [...input.consumes] },
      },
    },
    [ids.queuePolicy]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: ids.queue }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queueArn,
              Condition: { ArnEquals: { 'aws:SourceArn': { Ref: EVENTS_TOPIC } } },
            },
          ],
        },
      },
    },
  };
}

/** A letter in its DLQ, a message waiting too long in its queue, a function error: each an alarm. */
function consumerAlarms(name: string, input: ConsumerInput): Record<string, Json> {
  const ids = consumerIds(name);
  const prefix = `${input.service}-${input.stage}-${name}`;
  return {
    [ids.alarm]: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        ...input.dlqAlarm,
        AlarmName: `${prefix}-dlq-not-empty`,
        AlarmDescription: `Messages in the ${name} DLQ (see their failure.* attributes)`,
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.deadLetterQueue, 'QueueName'] } },
        ],
      },
    },
    [ids.oldestMessageAlarm]: oldestMessageAlarm({
      name: prefix,
      queueLogicalId: ids.queue,
      seconds: input.alarms.oldestMessageSeconds,
      actions: input.alarms.actions,
    }),
    [ids.errorsAlarm]: functionErrorsAlarm({
      name: `${prefix}-worker`,
      functionName: ids.functionName,
      actions: input.alarms.actions,
    }),
  };
}

/** Its role, allowed what workerStatements says and nothing more. */
function workerRole(
  name: string,
  entry: ConsumerEntry,
  input: ConsumerInput,
): Record<string, Json> {
  const ids = consumerIds(name);
  const statements = workerStatements(name, entry, input);
  return {
    [ids.role]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: input.iam.lambdaTrust,
        Policies: [
          {
            PolicyName: `${name}-worker`,
            PolicyDocument: { Version: '2012-10-17', Statement: statements },
          },
        ],
      },
    },
  };
}

/** The function (for `functions`) and the resources and outputs of one consumer. */
export function describeConsumer(name: string, entry: ConsumerEntry, input: ConsumerInput) {
  const ids = consumerIds(name);
  const timeout = Number(entry.function?.timeout ?? input.defaultTimeout);
  const resources: Record<string, Json> = {
    ...queueResources(name, entry, input, timeout),
    ...consumerAlarms(name, input),
    ...workerRole(name, entry, input),
  };
  const outputs = { [ids.output]: { Value: { Ref: ids.deadLetterQueue } } };
  return {
    functionName: ids.functionName,
    function: workerFunction(name, entry, input, timeout),
    resources,
    outputs,
  };
}
