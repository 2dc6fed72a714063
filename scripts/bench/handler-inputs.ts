import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract, type EventType } from '../../events/registry.ts';
import type { BareSdk } from './bare-handler.ts';
import { standIn } from './functions.ts';
import { type StubSetup, withStubUrl } from './stub-aws.ts';

// What a handler is measured with (handler-cost.ts, cold-invoke.ts): its environment on the stub,
// a Lambda context, a batch of its consumed types or a request to its route, the SDK clients of
// its bare handler, and its log lines kept or swallowed.

export interface Job {
  /** The function's name in the template. */
  function: string;
  /** Its handler source, project-relative, and the export the template names. */
  source: string;
  exportName: string;
  /** Its environment as the template sets it (stand-ins for intrinsics are made here). */
  env: Record<string, unknown>;
  /** What the bench scenario sets up on the stub for it (its parameters, say). */
  stub?: StubSetup;
}

/** A sample request for an HTTP route; a route's path parameters get fresh ids. */
export interface HttpSample {
  headers?: Record<string, string>;
  body?: unknown;
}

export const BASE_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: 'bench',
  POWERTOOLS_METRICS_DISABLED: 'false', // EMF documents are part of what the stack costs
};

/**
 * A function's environment on the stub: the template's (stand-ins for intrinsics), its stub
 * setup's, AWS_ENDPOINT_URL the stub and dummy credentials.
 */
export function stubbedEnv(job: Job, url: string): Record<string, string> {
  return {
    ...BASE_ENV,
    ...Object.fromEntries(Object.entries(job.env).map(([k, v]) => [k, standIn(k, v, url)])),
    ...Object.fromEntries(
      Object.entries(job.stub?.env ?? {}).map(([k, v]) => [k, withStubUrl(v, url)]),
    ),
    AWS_ENDPOINT_URL: url,
  };
}

export const context = (): Context =>
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

/** A batch of `size` records cycling through `types`, each from its contract's examples, fresh ids. */
export function batchOf(types: string[], size: number): SQSEvent {
  const Records = Array.from({ length: size }, (_, i): SQSRecord => {
    const contract = currentContract(types[i % types.length] as EventType);
    const examples = contract.examples as unknown[];
    const data = examples[Math.floor(i / types.length) % examples.length];
    const event = buildCloudEvent(contract, data, 'bench');
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

export function httpRequest(route: string, sample: HttpSample): APIGatewayProxyEventV2 {
  const [method = 'GET', routePath = '/'] = route.split(' ');
  const pathParameters: Record<string, string> = {};
  const rawPath = routePath.replace(/\{([^}+]+)\+?\}/g, (_, name: string) => {
    pathParameters[name] = randomUUID();
    return pathParameters[name];
  });
  const body = sample.body === undefined ? undefined : JSON.stringify(sample.body);
  return {
    version: '2.0',
    routeKey: route,
    rawPath,
    rawQueryString: '',
    headers: {
      ...(body ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
      ...sample.headers,
    },
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
    requestContext: {
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      requestId: randomUUID(),
      routeKey: route,
      stage: '$default',
      timeEpoch: Date.now(),
    },
  } as unknown as APIGatewayProxyEventV2;
}

/** An AWS service's SDK package: its exports and the export name of its client class. */
export async function sdkOf(
  service: string,
): Promise<{ module: string; client: string; exports: Record<string, unknown> }> {
  const module = `@aws-sdk/client-${service}`;
  const exports = (await import(module).catch(() => undefined)) as
    | Record<string, unknown>
    | undefined;
  const client = Object.keys(exports ?? {}).find(
    (name) => name.endsWith('Client') && !name.includes('ServiceException'),
  );
  if (!exports || !client)
    throw new Error(`The bare handler has no SDK client for ${service} (${module})`);
  return { module, client, exports };
}

/** SDK clients of the bare handlers, one per service, made on first use. */
export class BareClients {
  private readonly clients = new Map<string, BareSdk['client']>();
  /** The client and command class of `service:Operation`; none for an outbound HTTP call. */
  async of(key: string): Promise<BareSdk | undefined> {
    const [service = '', operation = ''] = key.split(':');
    if (service === 'http') return undefined;
    const sdk = await sdkOf(service);
    const Command = sdk.exports[`${operation}Command`] as BareSdk['Command'] | undefined;
    if (!Command) throw new Error(`The bare handler has no command for ${key}`);
    let client = this.clients.get(service);
    if (!client) {
      const Client = sdk.exports[sdk.client] as new (config: object) => BareSdk['client'];
      client = new Client({});
      this.clients.set(service, client);
    }
    return { client, Command };
  }
  destroy() {
    for (const client of this.clients.values())
      (client as unknown as { destroy?: () => void }).destroy?.();
  }
}

/** Run `fn` with stdout swallowed (log lines are still built and serialized), keeping them if asked. */
export async function quietly<T>(fn: () => Promise<T>, lines?: string[]): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = ((chunk: unknown) => {
    lines?.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

/** The first WARN/ERROR line a handler logged, as `message (failure code)`. */
export function firstFailure(lines: string[]): string | undefined {
  for (const line of lines.join('').split('\n')) {
    if (!/"level":"(WARN|ERROR|CRITICAL)"/.test(line)) continue;
    try {
      const entry = JSON.parse(line) as { message?: string; failure?: { code?: string } };
      return [entry.message, entry.failure?.code && `(${entry.failure.code})`]
        .filter(Boolean)
        .join(' ');
    } catch {
      return line.slice(0, 200);
    }
  }
  return undefined;
}
