import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { vi } from 'vitest';
import { deleteHandled, lambdaContext, sqsEvent } from '../support/lambda.ts';
import type { Credentials, IamStack } from './deploy.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Variables set for the function that ran last, removed before the next one runs.
let applied: string[] = [];

function applyEnvironment(environment: Record<string, string>) {
  for (const name of applied) delete process.env[name];
  Object.assign(process.env, environment);
  applied = Object.keys(environment);
}

export interface FunctionUnderRole {
  id: string;
  role: string;
  credentials: Credentials;
  /** Call the handler as Lambda would, with this function's environment and role. */
  invoke<R = unknown>(event: unknown, context?: Context): Promise<R>;
}

/**
 * A function's real handler, imported afresh (its own AWS clients, config and caches) with the
 * environment Lambda would give it: the template's variables, its role's credentials and the
 * emulator's endpoint. Handlers run one at a time, each under its own role.
 */
export async function functionUnderRole(
  stack: IamStack,
  id: string,
  overrides: Record<string, string> = {},
): Promise<FunctionUnderRole> {
  const fn = stack.functions[id];
  if (!fn) throw new Error(`No function ${id} in the packaged template`);
  const { NODE_OPTIONS: _, ...variables } = fn.environment; // for the Lambda runtime, not us
  const environment = {
    ...variables,
    ...overrides,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    AWS_ENDPOINT_URL: stack.endpoint,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: fn.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fn.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: fn.credentials.sessionToken ?? '',
  };
  const [file, exportName] = [
    fn.handler.slice(0, fn.handler.lastIndexOf('.')),
    fn.handler.slice(fn.handler.lastIndexOf('.') + 1),
  ];
  applyEnvironment(environment);
  vi.resetModules();
  const module = await import(path.join(root, `${file}.ts`));
  const handler = module[exportName] as (event: unknown, context: Context) => Promise<unknown>;
  if (typeof handler !== 'function') throw new Error(`${fn.handler} exports no handler`);
  return {
    id,
    role: fn.role,
    credentials: fn.credentials,
    invoke: async <R>(event: unknown, context = lambdaContext(id)) => {
      applyEnvironment(environment);
      return (await handler(event, context)) as R;
    },
  };
}

/** An AWS client config for these credentials against the stack's emulator. */
export const clientConfig = (stack: IamStack, credentials: Credentials = stack.admin) => ({
  endpoint: stack.endpoint,
  region: stack.region,
  credentials,
});

/**
 * What Lambda's SQS event source does, under the function's role: check the queue, receive until
 * `count` messages arrived (or the deadline), invoke the handler with them, delete those it did
 * not report failed. Failed ones stay and come back after their visibility timeout.
 */
export async function pollOnce(
  stack: IamStack,
  fn: FunctionUnderRole,
  queueId: string,
  { count = 1, deadlineMs = 15_000 } = {},
) {
  const sqs = new SQSClient(clientConfig(stack, fn.credentials));
  const queue = {
    url: stack.refs[queueId] as string,
    arn: stack.attributes[queueId]?.Arn as string,
  };
  await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['VisibilityTimeout'] }),
  );
  const messages: Message[] = [];
  const deadline = Date.now() + deadlineMs;
  while (messages.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
  }
  const event: SQSEvent = sqsEvent(messages, queue);
  const response = await fn.invoke<SQSBatchResponse>(event);
  await deleteHandled(sqs, queue.url, messages, response); // under the function's role, as Lambda
  return { messages, response };
}

/** Where each table's stream was read up to, by shard: a poll hands over only what is new. */
const streamPositions = new Map<string, string>();

/**
 * What Lambda's DynamoDB stream event source does, under the function's role: read the table's
 * stream from where the last poll stopped (its records as Lambda hands them over) and invoke the
 * handler with them once. Returns the records it handed over.
 */
export async function pollStreamOnce(stack: IamStack, fn: FunctionUnderRole, tableId: string) {
  const streams = new DynamoDBStreamsClient(clientConfig(stack, fn.credentials));
  const StreamArn = stack.attributes[tableId]?.StreamArn;
  if (!StreamArn) throw new Error(`${tableId} has no stream in the packaged template`);
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
  const Records: DynamoDBStreamEvent['Records'] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    const after = streamPositions.get(`${StreamArn} ${shard.ShardId}`);
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn,
        ShardId: shard.ShardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
    const records = (page.Records ?? []) as DynamoDBStreamEvent['Records'];
    Records.push(...records);
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) streamPositions.set(`${StreamArn} ${shard.ShardId}`, last);
  }
  streams.destroy();
  if (Records.length) await fn.invoke({ Records });
  return Records;
}
