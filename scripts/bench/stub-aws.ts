import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { operationOf, serviceOf } from '../chaos/fault-proxy.ts';

// An in-process AWS endpoint for `npm run bench`: it answers every call with the smallest valid
// success after a fixed latency, so a handler measured against it pays for its own code, its
// libraries and the SDK's (de)serialization — not for an emulator. SSM parameters it is given are
// answered with their values (others are ParameterNotFound, as on AWS). A request that is not an
// AWS call (no SigV4 signature: a webhook, say) is an outbound HTTP call, answered 200 after the
// same latency and counted as `http:<METHOD>`. It listens on 127.0.0.1 only.

/**
 * Stands for the stub's URL in parameter values and environment given before it listens (a
 * webhook target's URL, say): replaced by `withStubUrl`.
 */
export const STUB_URL = '{stub}';

/** `value` with every STUB_URL replaced by the stub's own URL. */
export const withStubUrl = (value: string, url: string) => value.replaceAll(STUB_URL, url);

/** What a bench scenario sets up on the stub for one function: parameters and environment. */
export interface StubSetup {
  /** SSM parameters by name (values may hold STUB_URL). */
  parameters?: Record<string, string>;
  /** Environment the function runs with on the stub, over its template's (values may hold STUB_URL). */
  env?: Record<string, string>;
}

export interface StubAws {
  url: string;
  /** Calls answered, by `service:Operation` (`http:POST` for an outbound HTTP call). */
  calls: Record<string, number>;
  /** SSM parameters answered with a value, by name. */
  parameters: Map<string, string>;
  reset: () => void;
  close: () => Promise<void>;
}

const JSON_API = 'application/x-amz-json-1.1';

/** The success body of an operation: `{}` for JSON APIs, a query-protocol XML answer for SNS. */
function answer(
  operation: string,
  jsonApi: boolean,
  text: string,
  parameters: Map<string, string>,
): { status: number; type: string; body: string } {
  if (operation === 'GetParameter') {
    const name = (JSON.parse(text || '{}') as { Name?: string }).Name ?? '';
    const value = parameters.get(name);
    if (value === undefined)
      return {
        status: 400,
        type: JSON_API,
        body: JSON.stringify({ __type: 'ParameterNotFound', message: `${name} not found` }),
      };
    const Parameter = { Name: name, Type: 'String', Value: value, Version: 1 };
    return { status: 200, type: JSON_API, body: JSON.stringify({ Parameter }) };
  }
  if (jsonApi) return { status: 200, type: 'application/x-amz-json-1.0', body: '{}' };
  const result =
    operation === 'Publish'
      ? `<PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>`
      : operation === 'PublishBatch'
        ? '<PublishBatchResult><Successful/><Failed/></PublishBatchResult>'
        : '';
  return {
    status: 200,
    type: 'text/xml',
    body: `<${operation}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">${result}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`,
  };
}

export async function startStubAws({ latencyMs }: { latencyMs: number }): Promise<StubAws> {
  const calls: Record<string, number> = {};
  const parameters = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const aws = typeof req.headers.authorization === 'string';
      const operation = aws ? operationOf(req.headers, text) : (req.method ?? 'GET');
      const key = `${aws ? serviceOf(req.headers) : 'http'}:${operation}`;
      calls[key] = (calls[key] ?? 0) + 1;
      const { status, type, body } = aws
        ? answer(operation, typeof req.headers['x-amz-target'] === 'string', text, parameters)
        : { status: 200, type: 'text/plain', body: '' };
      setTimeout(() => {
        res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID() });
        res.end(body);
      }, latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    parameters,
    reset: () => {
      for (const key of Object.keys(calls)) delete calls[key];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
