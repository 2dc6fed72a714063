import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { operationOf, serviceOf } from '../chaos/fault-proxy.ts';

// An in-process AWS endpoint for `npm run bench`: it answers every call with the smallest valid
// success after a fixed latency, so a handler measured against it pays for its own code, its
// libraries and the SDK's (de)serialization — not for an emulator. It listens on 127.0.0.1 only.

export interface StubAws {
  url: string;
  /** Calls answered, by `service:Operation`. */
  calls: Record<string, number>;
  reset: () => void;
  close: () => Promise<void>;
}

/** The success body of an operation: `{}` for JSON APIs, a query-protocol XML answer for SNS. */
function answer(operation: string, jsonApi: boolean): { type: string; body: string } {
  if (jsonApi) return { type: 'application/x-amz-json-1.0', body: '{}' };
  const result =
    operation === 'Publish'
      ? `<PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>`
      : operation === 'PublishBatch'
        ? '<PublishBatchResult><Successful/><Failed/></PublishBatchResult>'
        : '';
  return {
    type: 'text/xml',
    body: `<${operation}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">${result}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`,
  };
}

export async function startStubAws({ latencyMs }: { latencyMs: number }): Promise<StubAws> {
  const calls: Record<string, number> = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const operation = operationOf(req.headers, text);
      const key = `${serviceOf(req.headers)}:${operation}`;
      calls[key] = (calls[key] ?? 0) + 1;
      const { type, body } = answer(operation, typeof req.headers['x-amz-target'] === 'string');
      setTimeout(() => {
        res.writeHead(200, { 'content-type': type, 'x-amzn-requestid': randomUUID() });
        res.end(body);
      }, latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
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
