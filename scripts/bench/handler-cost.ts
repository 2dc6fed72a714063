import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { startStubAws } from './stub-aws.ts';

// What the consumer stack and the HTTP stack cost: the real calculator handlers against a bare
// handler written by hand that makes the same AWS calls (counted on the stub, per record) with
// the records of a batch handled concurrently — the best a hand-written handler does. Every AWS
// call is answered by an in-process stub after a fixed latency, so the difference is what the
// middleware and the libraries cost.

const TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:bench-events';
const ENV = {
  SERVICE_NAME: 'calculator',
  EVENTS_TOPIC_ARN: TOPIC_ARN,
  IDEMPOTENCY_TABLE: 'bench-idempotency',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1/000000000000/bench-dlq',
  MAX_RECEIVE_COUNT: '4',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: 'bench',
  POWERTOOLS_METRICS_DISABLED: 'false', // EMF documents are part of what the stack costs
};

export interface HandlerCost {
  /** Median ms per batch / request. */
  stackMs: number;
  bareMs: number;
  /** stackMs / bareMs. */
  ratio: number;
  stackPerSecond: number;
  barePerSecond: number;
  /** AWS calls per record (consumer) or request (HTTP), by service:Operation — the same for both. */
  callsPerUnit: Record<string, number>;
}

const context = (): Context =>
  ({
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: 'bench',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
  }) as Context;

function batchOf(size: number): SQSEvent {
  const Records = Array.from({ length: size }, (): SQSRecord => {
    const event = buildCloudEvent(
      currentContract('calculation.requested'),
      { calculationId: randomUUID(), operation: 'add', a: '0.1', b: '0.2' },
      'bench',
    );
    return {
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body: JSON.stringify(event),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {
        type: { dataType: 'String', stringValue: event.type },
        source: { dataType: 'String', stringValue: 'bench' },
      },
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
      awsRegion: 'us-east-1',
    };
  });
  return { Records };
}

function httpRequest(): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /calculations',
    rawPath: '/calculations',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ operation: 'add', a: '0.1', b: '0.2' }),
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/calculations', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      requestId: randomUUID(),
      routeKey: 'POST /calculations',
      stage: '$default',
      timeEpoch: Date.now(),
    },
  } as unknown as APIGatewayProxyEventV2;
}

/** One AWS call of the given kind, as a hand-written handler would make it. */
function bareCall(key: string, clients: BareClients, id: string, body: string): Promise<unknown> {
  const Key = { id: { S: `bare#${id}` } };
  const TableName = ENV.IDEMPOTENCY_TABLE;
  switch (key) {
    case 'dynamodb:PutItem':
      return clients.dynamo.send(
        new PutItemCommand({
          TableName,
          Item: { ...Key, status: { S: 'INPROGRESS' }, expiration: { N: '1' } },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    case 'dynamodb:UpdateItem':
      return clients.dynamo.send(
        new UpdateItemCommand({
          TableName,
          Key,
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': { S: 'COMPLETED' } },
        }),
      );
    case 'dynamodb:GetItem':
      return clients.dynamo.send(new GetItemCommand({ TableName, Key }));
    case 'dynamodb:DeleteItem':
      return clients.dynamo.send(new DeleteItemCommand({ TableName, Key }));
    case 'sns:Publish':
      return clients.sns.send(
        new PublishCommand({
          TopicArn: TOPIC_ARN,
          Message: body,
          MessageAttributes: { type: { DataType: 'String', StringValue: 'calculation.completed' } },
        }),
      );
    case 'sns:PublishBatch':
      return clients.sns.send(
        new PublishBatchCommand({
          TopicArn: TOPIC_ARN,
          PublishBatchRequestEntries: [{ Id: '0', Message: body }],
        }),
      );
    case 'sqs:SendMessage':
      return clients.sqs.send(
        new SendMessageCommand({ QueueUrl: ENV.DEAD_LETTER_QUEUE_URL, MessageBody: body }),
      );
    default:
      throw new Error(`The bare handler has no hand-written form of ${key}`);
  }
}

interface BareClients {
  dynamo: DynamoDBClient;
  sns: SNSClient;
  sqs: SQSClient;
}

/** The calls of one unit, idempotency writes around the rest, in the order a handler makes them. */
function callPlan(callsPerUnit: Record<string, number>): string[] {
  const plan = Object.entries(callsPerUnit).flatMap(([key, n]) =>
    Array.from({ length: Math.round(n) }, () => key),
  );
  const rank = (k: string) => (k === 'dynamodb:PutItem' ? 0 : k === 'dynamodb:UpdateItem' ? 2 : 1);
  return plan.sort((a, b) => rank(a) - rank(b));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Run `fn` with stdout swallowed: log lines are still built and serialized, not printed. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

async function compare(
  stack: () => Promise<unknown>,
  bare: () => Promise<unknown>,
  rounds: number,
  unitsPerCall: number,
): Promise<Omit<HandlerCost, 'callsPerUnit'>> {
  const stackTimes: number[] = [];
  const bareTimes: number[] = [];
  const time = async (fn: () => Promise<unknown>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  for (let i = 0; i < 3; i++) {
    await stack();
    await bare();
  }
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so drift on a noisy machine hits both alike.
    if (i % 2) {
      stackTimes.push(await time(stack));
      bareTimes.push(await time(bare));
    } else {
      bareTimes.push(await time(bare));
      stackTimes.push(await time(stack));
    }
  }
  const stackMs = median(stackTimes);
  const bareMs = median(bareTimes);
  return {
    stackMs,
    bareMs,
    ratio: stackMs / bareMs,
    stackPerSecond: (unitsPerCall * 1000) / stackMs,
    barePerSecond: (unitsPerCall * 1000) / bareMs,
  };
}

export interface HandlerCostOptions {
  latencyMs: number;
  rounds: number;
  batchSize: number;
}

/** The consumer stack (calculator worker) and the HTTP stack (calculator API) against bare handlers. */
export async function measureHandlerCost(
  options: HandlerCostOptions,
): Promise<{ consumer: HandlerCost; http: HandlerCost }> {
  const stub = await startStubAws({ latencyMs: options.latencyMs });
  const saved = { ...process.env };
  Object.assign(process.env, ENV, { AWS_ENDPOINT_URL: stub.url });
  try {
    const worker = (await import('../../services/calculator/worker.ts')).handler;
    const api = (await import('../../services/calculator/api.ts')).handler;
    const clients: BareClients = {
      dynamo: new DynamoDBClient({}),
      sns: new SNSClient({}),
      sqs: new SQSClient({}),
    };

    // What the real handlers call per record / request: the bare handlers make exactly that.
    const perUnit = async (run: () => Promise<unknown>, units: number) => {
      stub.reset();
      await quietly(run);
      return Object.fromEntries(Object.entries(stub.calls).map(([k, n]) => [k, n / units]));
    };
    const consumerCalls = await perUnit(
      () => worker(batchOf(options.batchSize), context()),
      options.batchSize,
    );
    const httpCalls = await perUnit(() => api(httpRequest(), context()), 1);
    const consumerPlan = callPlan(consumerCalls);
    const httpPlan = callPlan(httpCalls);

    const bareConsumer = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      await Promise.all(
        event.Records.map(async (record) => {
          const { id, data } = JSON.parse(record.body);
          const out = JSON.stringify({ id: randomUUID(), data: { ...data, result: '0.3' } });
          for (const call of consumerPlan) await bareCall(call, clients, id, out);
        }),
      );
      return { batchItemFailures: [] };
    };
    const bareHttp = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
      const request = JSON.parse(event.body ?? '{}');
      if (typeof request.a !== 'string' || typeof request.b !== 'string')
        return { statusCode: 400 };
      const calculationId = randomUUID();
      const body = JSON.stringify({ id: randomUUID(), data: { calculationId, ...request } });
      for (const call of httpPlan)
        await bareCall(call, clients, event.headers['idempotency-key'] ?? '', body);
      return { statusCode: 202, body: JSON.stringify({ calculationId, status: 'pending' }) };
    };

    const consumer = await quietly(() =>
      compare(
        () => worker(batchOf(options.batchSize), context()),
        () => bareConsumer(batchOf(options.batchSize)),
        options.rounds,
        options.batchSize,
      ),
    );
    const http = await quietly(() =>
      compare(
        () => api(httpRequest(), context()),
        () => bareHttp(httpRequest()),
        options.rounds,
        1,
      ),
    );
    for (const client of Object.values(clients)) client.destroy();
    return {
      consumer: { ...consumer, callsPerUnit: consumerCalls },
      http: { ...http, callsPerUnit: httpCalls },
    };
  } finally {
    process.env = saved;
    await stub.close();
  }
}

/**
 * The same, in a process of its own: the handlers' modules build their AWS clients once per
 * process, so here they point at the stub and nowhere else — and the caller's point at the emulator.
 */
export function measureHandlerCostApart(options: HandlerCostOptions): {
  consumer: HandlerCost;
  http: HandlerCost;
} {
  const here = fileURLToPath(import.meta.url);
  const tsx = path.resolve(path.dirname(here), '..', '..', 'node_modules', '.bin', 'tsx');
  const output = execFileSync(tsx, [here, JSON.stringify(options)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(output.trim().split('\n').pop() ?? '{}');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureHandlerCost(JSON.parse(process.argv[2] ?? '{}') as HandlerCostOptions).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
