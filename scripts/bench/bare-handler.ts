import { createHmac, randomUUID } from 'node:crypto';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';

// The bare handlers `npm run bench` compares each function with: written by hand, the AWS SDK
// and nothing else, making the calls the real handler made (counted on the stub), in the order a
// handler makes them. Used in process for the warm comparison (handler-cost.ts) and bundled on
// its own, with only the SDK clients it needs, for the cold one (cold-invoke.ts): this module
// imports no SDK package itself.

/** One AWS call (or outbound HTTP call) for the unit with this id and outgoing body. */
export type BareCall = (id: string, body: string) => Promise<unknown>;

/** An SDK client, and the command class of the operation. */
export interface BareSdk {
  client: { send: (command: never) => Promise<unknown> };
  Command: new (input: never) => unknown;
}

/** What the calls of a bare handler are made against. */
export interface BareTarget {
  /** Where the outbound HTTP calls go (the stub). */
  endpoint: string;
  /** An SSM parameter that exists, for GetParameter calls. */
  parameter?: string;
}

const TableName = 'bench-bare';
const TopicArn = 'arn:aws:sns:us-east-1:000000000000:bench-events';
const Key = (id: string) => ({ id: { S: `bare#${id}` } });
const SECRET = Buffer.from('bench-bare-webhook-secret');

/** The input a hand-written handler gives the operation `key` (`service:Operation`). */
export function bareInput(key: string, id: string, body: string, target: BareTarget): object {
  switch (key) {
    case 'dynamodb:PutItem':
      return {
        TableName,
        Item: { ...Key(id), status: { S: 'INPROGRESS' }, expiration: { N: '1' } },
        ConditionExpression: 'attribute_not_exists(id)',
      };
    case 'dynamodb:UpdateItem':
      return {
        TableName,
        Key: Key(id),
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'COMPLETED' } },
      };
    case 'dynamodb:GetItem':
    case 'dynamodb:DeleteItem':
      return { TableName, Key: Key(id) };
    case 'sns:Publish':
      return {
        TopicArn,
        Message: body,
        MessageAttributes: { type: { DataType: 'String', StringValue: 'bench.event' } },
      };
    case 'sns:PublishBatch':
      return { TopicArn, PublishBatchRequestEntries: [{ Id: '0', Message: body }] };
    case 'sqs:SendMessage':
      return { QueueUrl: `${target.endpoint}/000000000000/bench-bare`, MessageBody: body };
    case 'ssm:GetParameter':
      return { Name: target.parameter ?? '/bench-bare', WithDecryption: true };
    default:
      return {};
  }
}

/** A webhook-style POST of the body, signed with HMAC-SHA256 as Standard Webhooks does. */
function signedPost(endpoint: string): BareCall {
  return async (id, body) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', SECRET)
      .update(`${id}.${timestamp}.${body}`)
      .digest('base64');
    const response = await fetch(`${endpoint}/bare-webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
      },
      body,
    });
    await response.body?.cancel();
    return response.status;
  };
}

/** One call of the kind `key`: through `sdk` for an AWS call, a signed POST for `http:POST`. */
export function bareCall(key: string, target: BareTarget, sdk?: BareSdk): BareCall {
  if (key.startsWith('http:')) return signedPost(target.endpoint);
  if (!sdk) throw new Error(`The bare handler has no SDK client for ${key}`);
  const { client, Command } = sdk;
  return (id, body) => client.send(new Command(bareInput(key, id, body, target) as never) as never);
}

/** The calls of a batch or request: those made once (e.g. a first read of a parameter) and per unit. */
export interface BarePlan {
  once: BareCall[];
  perUnit: BareCall[];
}

/**
 * The calls a handler made for `units` units (`callsPerUnit` × units per kind, rounded), as a
 * plan: whole calls per unit, the rest once; idempotency writes around the other calls.
 */
export function planOf(
  callsPerUnit: Record<string, number>,
  units: number,
  call: (key: string) => BareCall,
): BarePlan {
  const rank = (k: string) => (k === 'dynamodb:PutItem' ? 0 : k === 'dynamodb:UpdateItem' ? 2 : 1);
  const keys = Object.keys(callsPerUnit).sort((a, b) => rank(a) - rank(b));
  const total = (k: string) => Math.round((callsPerUnit[k] ?? 0) * units);
  const perUnit = (k: string) => Math.floor(total(k) / units);
  const repeat = (k: string, n: number) => Array.from({ length: n }, () => call(k));
  return {
    once: keys.flatMap((k) => repeat(k, total(k) - perUnit(k) * units)),
    perUnit: keys.flatMap((k) => repeat(k, perUnit(k))),
  };
}

/** Kinds of calls a plan makes (what a bare bundle must import). */
export const callKinds = (callsPerUnit: Record<string, number>, units: number) =>
  Object.keys(callsPerUnit).filter((k) => Math.round((callsPerUnit[k] ?? 0) * units) > 0);

async function inOrder(calls: BareCall[], id: string, body: string) {
  for (const call of calls) await call(id, body);
}

/** A bare SQS batch handler: each record's body parsed, its calls made; records at once or in turn. */
export function bareConsumer(plan: BarePlan, concurrent: boolean) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    let first = true;
    const handle = async (body: string) => {
      const { id, data } = JSON.parse(body) as { id: string; data: unknown };
      const out = JSON.stringify({ id: randomUUID(), data });
      if (first) {
        first = false;
        await inOrder(plan.once, id, out);
      }
      await inOrder(plan.perUnit, id, out);
    };
    if (concurrent) await Promise.all(event.Records.map((r) => handle(r.body)));
    else for (const r of event.Records) await handle(r.body);
    return { batchItemFailures: [] };
  };
}

/** A bare HTTP handler: the body (or path parameters) read, its calls made, `status` answered. */
export function bareHttp(plan: BarePlan, status: number) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    const input = event.body ? JSON.parse(event.body) : event.pathParameters;
    const id = randomUUID();
    const body = JSON.stringify({ id, data: input });
    const key = event.headers['idempotency-key'] ?? id;
    await inOrder([...plan.once, ...plan.perUnit], key, body);
    return { statusCode: status, body: JSON.stringify({ id }) };
  };
}
