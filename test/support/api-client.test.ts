import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderOpenApi } from '../../scripts/generate-openapi.ts';
import { apiClient, OpenApiMismatch } from './api-client.ts';
import { eventually } from './poll.ts';
import { zzGetOrder } from './sample-operations.ts';

// The e2e tier's only way to call the API must refuse what the document does not say, or its
// checks would pass however far the deployed API strays. A local server plays the API: answers
// scripted per path, a document of an operation no fork would have.
const document = parse(renderOpenApi([zzGetOrder]));

const answers: Record<string, { status: number; type?: string; body: string }> = {
  '/zz-orders/ok': { status: 200, type: 'application/json', body: '{"name":"zz"}' },
  '/zz-orders/teapot': { status: 418, type: 'application/json', body: '{"name":"zz"}' },
  '/zz-orders/wrong-body': { status: 200, type: 'application/json', body: '{"name":42}' },
  '/zz-orders/wrong-type': { status: 200, type: 'text/plain', body: 'zz' },
  '/zz-orders/missing': {
    status: 404,
    type: 'application/problem+json',
    body: '{"type":"about:blank","title":"Not Found","status":404}',
  },
};
let server: Server;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = (request.url ?? '').replace(/^\/stage/, '');
    const answer = answers[path] ?? { status: 500, body: '' };
    response.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {});
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Below a base path, as the emulator's and API Gateway's URLs are.
  api = apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stage`, document);
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('apiClient', () => {
  it('hands over an answer the document describes', async () => {
    const answer = await api('GET', '/zz-orders/ok');
    expect(answer).toMatchObject({ status: 200, json: { name: 'zz' } });
    expect((await api('GET', '/zz-orders/missing')).status).toBe(404);
  });

  it.each([
    ['an undocumented status', '/zz-orders/teapot', /status 418 is not documented/],
    ['a body against the schema', '/zz-orders/wrong-body', /\/name must be string/],
    [
      'another media type',
      '/zz-orders/wrong-type',
      /Content-Type text\/plain is not one documented/,
    ],
  ])('fails the test on %s', async (_, path, message) => {
    await expect(api('GET', path)).rejects.toThrow(OpenApiMismatch);
    await expect(api('GET', path)).rejects.toThrow(message);
  });

  it('fails on a route the document does not have, and stops a poll at once', async () => {
    await expect(api('DELETE', '/zz-orders/ok')).rejects.toThrow(/documents no DELETE/);
    const started = Date.now();
    await expect(
      eventually(() => api('GET', '/zz-orders/teapot').then(() => undefined), {
        deadlineMs: 10_000,
      }),
    ).rejects.toThrow(/418/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
