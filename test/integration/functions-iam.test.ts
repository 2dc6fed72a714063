// IAM proven by observation for every queue consumer the template builds, in any fork: each
// function's real handler runs in-process with its packaged environment, calling the emulator
// through the IAM observer (scripts/iam/observer.ts), and walks every path a consumer has —
// first delivery, a duplicate, a transient failure (a dependency answering 503, so the retry
// backoff runs), the last receive dead-lettered with its reason, and poison. At the end every
// distinct call each function made is judged against its role in the packaged template; a call
// the role would deny on AWS fails the tier with a sentence naming the function, the call and the
// missing statement. (The e2e tier observes the deployed functions the same way.)
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract, type EventType, eventTypes } from '../../events/registry.ts';
import { localAwsEnv } from '../../scripts/emulator/local-env.ts';
import { type Json, resolve } from '../../scripts/iam/intrinsics.ts';
import { type IamObserver, startIamObserver } from '../../scripts/iam/observer.ts';
import {
  type FunctionRole,
  functionRoles,
  resolvedNames,
  type Template,
} from '../../scripts/iam/template-roles.ts';
import { lambdaContext, sqsEvent } from '../support/lambda.ts';
import { copyRepository } from '../support/repo-copy.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const endpoint = localAwsEnv().AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566';
const region = 'us-east-1';
const stage = `iam${Math.random().toString(36).slice(2, 8)}`;
const admin = { endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

interface Consumer {
  role: FunctionRole;
  handler: string;
  environment: Record<string, string>;
  queue: { url: string; arn: string };
  types: EventType[];
  maxReceiveCount: number;
}

let observer: IamObserver;
let roles: FunctionRole[];
const consumers: Consumer[] = [];

/** Create what the template names (tables, queues, topics) and resolve it to what was created. */
async function createResources(template: Template, accountId: string) {
  const names = resolvedNames(template, { region, accountId });
  const known: {
    refs: Record<string, string>;
    attributes: Record<string, Record<string, string>>;
  } = { refs: {}, attributes: {} };
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::DynamoDB::Table') {
      await new DynamoDBClient(admin).send(
        new CreateTableCommand({
          TableName: names.refs[id],
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: r.Properties.AttributeDefinitions,
          KeySchema: r.Properties.KeySchema,
        }),
      );
    } else if (r.Type === 'AWS::SQS::Queue') {
      const { QueueUrl } = await new SQSClient(admin).send(
        new CreateQueueCommand({ QueueName: names.attributes[id]?.QueueName }),
      );
      known.refs[id] = QueueUrl as string;
    } else if (r.Type === 'AWS::SNS::Topic') {
      const { TopicArn } = await new SNSClient(admin).send(
        new CreateTopicCommand({ Name: names.attributes[id]?.TopicName }),
      );
      known.refs[id] = TopicArn as string;
      known.attributes[id] = { TopicArn: TopicArn as string };
    }
  }
  return resolvedNames(template, { region, accountId }, known);
}

/** Each function fed by an SQS queue, with the event types its subscription lets through. */
function consumersOf(template: Template, by: ReturnType<typeof resolvedNames>): Consumer[] {
  const resources = Object.values(template.Resources);
  return resources
    .filter(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        template.Resources[r.Properties.EventSourceArn['Fn::GetAtt'][0]]?.Type ===
          'AWS::SQS::Queue',
    )
    .map((mapping) => {
      const functionId: string = mapping.Properties.FunctionName['Fn::GetAtt'][0];
      const queueId: string = mapping.Properties.EventSourceArn['Fn::GetAtt'][0];
      const fn = template.Resources[functionId] as Json;
      const subscription = resources.find(
        (r) =>
          r.Type === 'AWS::SNS::Subscription' &&
          r.Properties.Endpoint?.['Fn::GetAtt']?.[0] === queueId,
      );
      const filtered: string[] = subscription?.Properties.FilterPolicy?.type ?? eventTypes();
      const redrive = template.Resources[queueId]?.Properties.RedrivePolicy;
      const name = String(resolve(fn.Properties.FunctionName, by));
      return {
        role: roles.find((r) => r.name === name) as FunctionRole,
        handler: fn.Properties.Handler as string,
        environment: resolve(fn.Properties.Environment?.Variables ?? {}, by),
        queue: { url: by.refs[queueId] as string, arn: String(by.attributes[queueId]?.Arn) },
        types: filtered.filter((t) => eventTypes().includes(t as EventType)) as EventType[],
        // The worker's last scheduled receive (its queue allows one more: the safety net).
        maxReceiveCount: Number(
          fn.Properties.Environment?.Variables?.MAX_RECEIVE_COUNT ?? redrive?.maxReceiveCount ?? 1,
        ),
      };
    });
}

/** The outbox relays (custom.tables): functions on a table's stream, as their handler and role. */
function relaysOf(template: Template, by: ReturnType<typeof resolvedNames>) {
  return Object.values(template.Resources)
    .filter(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        template.Resources[r.Properties.EventSourceArn['Fn::GetAtt'][0]]?.Type ===
          'AWS::DynamoDB::Table',
    )
    .map((mapping) => {
      const fn = template.Resources[mapping.Properties.FunctionName['Fn::GetAtt'][0]] as Json;
      const name = String(resolve(fn.Properties.FunctionName, by));
      return {
        role: roles.find((r) => r.name === name) as FunctionRole,
        handler: fn.Properties.Handler as string,
        environment: resolve(fn.Properties.Environment?.Variables ?? {}, by),
      };
    });
}
const relays: ReturnType<typeof relaysOf> = [];

beforeAll(async () => {
  observer = await startIamObserver({ target: endpoint });
  const copy = copyRepository();
  try {
    const template = { Resources: copy.packagedResources(stage) } as Template;
    const by = await createResources(template, observer.accountId);
    roles = functionRoles(template, by);
    consumers.push(...consumersOf(template, by));
    relays.push(...relaysOf(template, by));
  } finally {
    copy.remove();
  }
}, 180_000);

afterAll(() => observer?.close());

/** The handler as Lambda runs it: imported afresh with the function's own environment. */
async function loadHandler(consumer: Pick<Consumer, 'environment' | 'role' | 'handler'>) {
  const environment = {
    ...consumer.environment,
    NODE_OPTIONS: '',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_ENDPOINT_URL: observer.url,
    AWS_SDK_UA_APP_ID: consumer.role.name,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  for (const [key, value] of Object.entries(environment)) vi.stubEnv(key, value);
  vi.resetModules();
  const [file, exported] = [
    consumer.handler.slice(0, consumer.handler.lastIndexOf('.')),
    consumer.handler.slice(consumer.handler.lastIndexOf('.') + 1),
  ];
  const module = await import(path.join(root, `${file}.ts`));
  return module[exported] as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
}

/** Send bodies to the consumer's queue, receive them as Lambda would and invoke the handler. */
async function deliver(
  consumer: Consumer,
  handler: Awaited<ReturnType<typeof loadHandler>>,
  bodies: { body: string; type?: string }[],
  receiveCount = 1,
) {
  const sqs = new SQSClient(admin);
  for (const { body, type } of bodies)
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: consumer.queue.url,
        MessageBody: body,
        ...(type && { MessageAttributes: { type: { DataType: 'String', StringValue: type } } }),
      }),
    );
  const messages: Message[] = [];
  const deadline = Date.now() + 15_000;
  while (messages.length < bodies.length && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: consumer.queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 120,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
  }
  const event = sqsEvent(messages, consumer.queue);
  for (const record of event.Records)
    record.attributes.ApproximateReceiveCount = String(receiveCount);
  const response = await handler(event, lambdaContext(consumer.role.key));
  // Each path is walked once: what failed is not left to come back into the next one.
  for (const m of messages)
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: consumer.queue.url, ReceiptHandle: m.ReceiptHandle }),
    );
  return response;
}

describe('every call a consumer makes is allowed by its role (IAM observed)', () => {
  it('walks each consumer through delivery, duplicate, retry, last receive and poison', async () => {
    // A fork without consumers yet (after remove:examples) has nothing to observe here.
    for (const consumer of consumers) {
      const handler = await loadHandler(consumer);
      const events = consumer.types.flatMap((type) =>
        currentContract(type).examples.map((data) => {
          const event = buildCloudEvent(currentContract(type), data as never, 'iam-observation');
          return { body: JSON.stringify(event), type };
        }),
      );
      await deliver(consumer, handler, events); // first delivery
      await deliver(consumer, handler, events); // the same events again: the duplicate path
      const fresh = () =>
        consumer.types.flatMap((type) =>
          currentContract(type).examples.map((data) => ({
            body: JSON.stringify(buildCloudEvent(currentContract(type), data as never, 'iam')),
            type,
          })),
        );
      observer.outage(['dynamodb', 'sns', 'ssm']); // a dependency down: retried …
      try {
        await deliver(consumer, handler, fresh());
        await deliver(consumer, handler, fresh(), consumer.maxReceiveCount); // … then dead-lettered
        await deliver(consumer, handler, fresh(), consumer.maxReceiveCount + 1); // its invocation died
      } finally {
        observer.outage([]);
      }
      await deliver(consumer, handler, [{ body: '{not json', type: 'poison' }]); // poison
    }
    vi.unstubAllEnvs();
    const report = await observer.assertAllowed(roles);
    for (const { role } of consumers) {
      expect(report.checked[role.key], role.key).toBeGreaterThan(0);
      console.log(
        `${role.key}: ${report.checked[role.key]} distinct calls allowed (${report.actions[role.key]?.join(', ')})`,
      );
    }
    // The mechanism's own paths were walked: the retry backoff and the dead-lettering (a
    // consumer that calls no dependency cannot fail transiently, so not each of them).
    if (consumers.length)
      expect(Object.values(report.actions).flat()).toEqual(
        expect.arrayContaining(['sqs:ChangeMessageVisibility', 'sqs:SendMessage']),
      );
  });

  it('walks each outbox relay through publishing an outbox item, and through an SNS outage', async () => {
    // A fork without a table that has an outbox has nothing to observe here.
    for (const relay of relays) {
      const handler = (await loadHandler(relay)) as unknown as (
        event: DynamoDBStreamEvent,
        context: Context,
      ) => Promise<void>;
      const [type] = eventTypes();
      const event = buildCloudEvent(
        currentContract(type as EventType),
        currentContract(type as EventType).examples[0] as never,
        'iam-observation',
      );
      const image = { kind: 'outbox', type: event.type, source: event.source, eventId: event.id };
      const record = {
        eventName: 'INSERT',
        dynamodb: {
          SequenceNumber: '1',
          NewImage: Object.fromEntries(
            Object.entries({ ...image, body: JSON.stringify(event) }).map(([k, v]) => [
              k,
              { S: v },
            ]),
          ),
        },
      } as DynamoDBRecord;
      await handler({ Records: [record] }, lambdaContext(relay.role.key));
      observer.outage(['sns']);
      try {
        await expect(
          handler({ Records: [record] }, lambdaContext(relay.role.key)),
        ).rejects.toThrow();
      } finally {
        observer.outage([]);
      }
    }
    vi.unstubAllEnvs();
    const report = await observer.assertAllowed(roles);
    for (const { role } of relays) expect(report.actions[role.key]).toContain('sns:Publish');
  });
});
