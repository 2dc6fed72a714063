import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { createError } from '@middy/util';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from '../../events/zod.ts';
import { createHttpApi, route } from './create-http-api.ts';
import { type HttpOperation, respond } from './operation.ts';
import { HttpProblem, problemResponse } from './problem.ts';

const Body = z.object({ amount: z.int(), currency: z.enum(['EUR', 'USD']) });
const createOrder = {
  method: 'POST',
  path: '/orders',
  operationId: 'createOrder',
  summary: 'Create an order',
  request: { body: Body },
  responses: { 201: { description: 'Created', body: Body } },
} satisfies HttpOperation;
const getOrder = {
  method: 'GET',
  path: '/orders/{id}',
  operationId: 'getOrder',
  summary: 'Read an order',
  request: { path: z.object({ id: z.string().check(z.maxLength(10)) }) },
  responses: { 200: { description: 'The order', body: Body } },
} satisfies HttpOperation;

const api = createHttpApi(
  [
    // The handler gets the body already validated: it only answers.
    route(createOrder, async (event) => respond(createOrder, 201, event.input.body)),
    route(getOrder, async ({ input: { path } }) => {
      if (path.id === 'boom') throw new Error('database password is hunter2');
      if (path.id === 'secret') throw createError(403, 'Forbidden');
      if (path.id === 'busy') throw new IdempotencyAlreadyInProgressError('busy');
      if (path.id === 'reused') throw new IdempotencyValidationError('reused');
      throw new HttpProblem(404, 'Not Found', `No order ${path.id}`);
    }),
  ],
  new Logger({ logLevel: 'SILENT' }),
  'test',
);

const request = (
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
  claims?: Record<string, unknown>,
) =>
  api(
    {
      version: '2.0',
      rawPath: path,
      headers: { 'content-type': contentType },
      body,
      isBase64Encoded: false,
      // API Gateway's parameters; the router only routes on method and path.
      pathParameters: path.startsWith('/orders/') ? { id: path.slice(8) } : undefined,
      requestContext: {
        http: { method, path },
        // What API Gateway's JWT authorizer passes on: the verified token's claims.
        ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
      },
    } as unknown as APIGatewayProxyEventV2,
    {} as never,
  ) as Promise<APIGatewayProxyStructuredResultV2>;

const problem = (response: APIGatewayProxyStructuredResultV2) => {
  expect(response.headers?.['content-type']).toBe('application/problem+json');
  return JSON.parse(response.body ?? '{}');
};

describe('createHttpApi', () => {
  it('routes to the handler', async () => {
    const response = await request('POST', '/orders', '{"amount": 5, "currency": "EUR"}');
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body ?? '')).toEqual({ amount: 5, currency: 'EUR' });
  });

  it('answers 401 to a verified JWT without `sub`, before anything else, on every route', async () => {
    const order = '{"amount": 5, "currency": "EUR"}';
    for (const claims of [{ iss: 'https://issuer.example' }, { sub: '' }, { sub: 42 }]) {
      const refused = await request('POST', '/orders', order, 'application/json', claims);
      expect(refused.statusCode).toBe(401);
      expect(problem(refused)).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect(refused.headers?.['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
    // Even a request that is invalid too, or for a route that only reads.
    expect((await request('POST', '/orders', '{', 'application/json', {})).statusCode).toBe(401);
    expect((await request('GET', '/orders/7', undefined, undefined, {})).statusCode).toBe(401);
    // A JWT with `sub` is served, as is a request on a public API (no authorizer at all).
    const served = await request('POST', '/orders', order, 'application/json', { sub: 'alice' });
    expect(served.statusCode).toBe(201);
    expect((await request('POST', '/orders', order)).statusCode).toBe(201);
  });

  it('answers 400 naming every invalid field', async () => {
    const response = await request('POST', '/orders', '{"amount": "5", "currency": "GBP"}');
    expect(response.statusCode).toBe(400);
    expect(problem(response)).toMatchObject({
      status: 400,
      title: 'Invalid request',
      errors: [
        { field: 'body.amount', message: expect.any(String) },
        { field: 'body.currency', message: expect.any(String) },
      ],
    });
  });

  it('answers 400 for a path parameter its operation refuses, before the handler runs', async () => {
    expect(problem(await request('GET', '/orders/far-too-long-an-id'))).toMatchObject({
      status: 400,
      errors: [{ field: 'path.id', message: expect.any(String) }],
    });
  });

  it('answers 400 for a body that is not JSON and 415 for another media type', async () => {
    expect((await request('POST', '/orders', '{nope')).statusCode).toBe(400);
    expect(
      (await request('POST', '/orders', 'amount=5', 'application/x-www-form-urlencoded'))
        .statusCode,
    ).toBe(415);
  });

  it('answers 404 for an unknown path and 405 with Allow for a known path and wrong method', async () => {
    const notFound = await request('GET', '/customers');
    expect(notFound.statusCode).toBe(404);
    expect(problem(notFound).title).toBe('Not Found');
    const wrongMethod = await request('DELETE', '/orders/42');
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers?.allow).toBe('GET');
  });

  it('maps Middy HTTP errors and Powertools idempotency errors to problems', async () => {
    expect(problem(await request('GET', '/orders/secret'))).toMatchObject({
      status: 403,
      title: 'Forbidden',
    });
    expect(problem(await request('GET', '/orders/busy'))).toMatchObject({ status: 409 });
    expect(problem(await request('GET', '/orders/reused'))).toMatchObject({
      status: 422,
      title: 'Idempotency-Key reused',
    });
  });

  it('passes HttpProblems through and never leaks an unexpected error', async () => {
    expect(problem(await request('GET', '/orders/7'))).toMatchObject({
      status: 404,
      detail: 'No order 7',
    });
    const failure = await request('GET', '/orders/boom');
    expect(failure.statusCode).toBe(500);
    expect(failure.body).not.toContain('hunter2');
  });

  it('refuses a body over its cap before parsing it (413) and keeps every problem a few KB', async () => {
    const tooBig = await request(
      'POST',
      '/orders',
      JSON.stringify({ amount: '9'.repeat(3_000_000) }),
    );
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.body?.length).toBeLessThan(4096);
    // Whatever a handler puts in a problem, what goes out is cut: long texts, long lists.
    const echoing = new HttpProblem(400, 'Invalid request', 'y'.repeat(1_000_000), {
      errors: Array.from({ length: 1000 }, (_, i) => ({
        field: `f${i}`,
        message: 'x'.repeat(1e4),
      })),
    });
    const body = problemResponse(echoing, '/orders').body ?? '';
    expect(body.length).toBeLessThan(8192);
    expect(JSON.parse(body).errors.at(-1)).toBe('… and 980 more');
  });
});
