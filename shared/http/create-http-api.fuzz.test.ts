import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calculationRequest } from '../../events/calculation-fields.ts';
import { createHttpApi, route } from './create-http-api.ts';
import { type HttpOperation, respond } from './operation.ts';

// Any request: a 2xx or a 4xx application/problem+json, never a 5xx or a throw.
const numRuns = Number(process.env.FUZZ_RUNS ?? (process.env.CI ? 300 : 3_000));
const fuzz = {
  method: 'POST',
  path: '/calculations',
  operationId: 'fuzz',
  summary: 'Any request',
  request: { body: calculationRequest() },
  idempotent: true,
  responses: { 202: { description: 'Accepted', body: calculationRequest() } },
} as const satisfies HttpOperation;
const api = createHttpApi(
  [route(fuzz, async (event) => respond(fuzz, 202, event.input.body))],
  new Logger({ logLevel: 'SILENT' }),
  'test',
);
const context = { getRemainingTimeInMillis: () => 3000, functionName: 'fuzz' } as Context;

const request = fc.record({
  method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH'),
  // API Gateway always sends a path starting with "/".
  path: fc.oneof(
    fc.constant('/calculations'),
    fc.constant('/calculations/'),
    fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
  ),
  idempotencyKey: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
  contentType: fc.oneof(
    fc.constant('application/json'),
    fc.constant('application/problem+json'),
    fc.constant(undefined),
    fc.string(),
  ),
  body: fc.oneof(
    fc.string(),
    fc.json(),
    fc
      .record({
        operation: fc.oneof(fc.constantFrom('add', 'subtract', 'multiply', 'divide'), fc.string()),
        a: fc.oneof(fc.string(), fc.double(), fc.integer()),
        b: fc.oneof(fc.string(), fc.double(), fc.integer()),
      })
      .map((v) => JSON.stringify(v)),
  ),
  base64: fc.boolean(),
});

describe('HTTP API (fuzz)', () => {
  it('answers any request with a 2xx or a 4xx problem, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const event = {
          version: '2.0',
          rawPath: r.path,
          requestContext: { http: { method: r.method, path: r.path } },
          headers: {
            ...(r.contentType === undefined ? {} : { 'content-type': r.contentType }),
            ...(r.idempotencyKey === undefined ? {} : { 'idempotency-key': r.idempotencyKey }),
          },
          body: r.base64 ? Buffer.from(r.body).toString('base64') : r.body,
          isBase64Encoded: r.base64,
          routeKey: '$default',
        } as unknown as APIGatewayProxyEventV2;
        const response = (await api(event, context)) as {
          statusCode: number;
          headers?: Record<string, string>;
        };
        expect(response.statusCode).toBeGreaterThanOrEqual(200);
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400)
          expect(response.headers?.['content-type']).toBe('application/problem+json');
      }),
      { numRuns },
    );
  }, 300_000);
});
