import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from '../../events/zod.ts';
import type { HttpEvent, HttpOperation } from './operation.ts';
import { HttpProblem } from './problem.ts';
import { validateRequest } from './validate-request.ts';

const placeOrder = {
  method: 'POST',
  path: '/shops/{shop}/orders',
  operationId: 'placeOrder',
  summary: 'Place an order',
  request: {
    path: z.object({ shop: z.string().check(z.regex(/^s-\d+$/)) }),
    query: z.object({ dryRun: z.optional(z.enum(['true', 'false'])) }),
    body: z.object({ amount: z.int().check(z.positive()) }),
  },
  idempotent: true,
  responses: { 201: { description: 'Placed' } },
} as const satisfies HttpOperation;

// The handler returns what it was given, so each test sees what the middleware handed over.
const handler = middy(
  async (event: APIGatewayProxyEventV2) => (event as HttpEvent<typeof placeOrder>).input,
).use(validateRequest(placeOrder));

const event = (overrides: Partial<APIGatewayProxyEventV2> = {}) =>
  ({
    headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
    pathParameters: { shop: 's-1' },
    queryStringParameters: { dryRun: 'true' },
    body: '{"amount": 5}',
    isBase64Encoded: false,
    ...overrides,
  }) as APIGatewayProxyEventV2;

const refusal = async (overrides: Partial<APIGatewayProxyEventV2>) => {
  const error = await handler(event(overrides), {} as Context).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpProblem);
  return error as HttpProblem;
};

describe('validateRequest', () => {
  it('hands the handler every declared part, parsed', async () => {
    expect(await handler(event(), {} as Context)).toEqual({
      path: { shop: 's-1' },
      query: { dryRun: 'true' },
      body: { amount: 5 },
      idempotencyKey: 'k-1',
    });
  });

  it.each([
    ['a path parameter', { pathParameters: { shop: 'x' } }, 400, 'path.shop'],
    ['a query parameter', { queryStringParameters: { dryRun: 'maybe' } }, 400, 'query.dryRun'],
    ['a body field', { body: '{"amount": -1}' }, 400, 'body.amount'],
  ])(
    'refuses %s the operation declares otherwise, naming it',
    async (_, overrides, status, field) => {
      const problem = await refusal(overrides);
      expect(problem.status).toBe(status);
      expect(problem.extensions.errors).toEqual([{ field, message: expect.any(String) }]);
    },
  );

  it('refuses a blank Idempotency-Key, a body not JSON (400), another media type (415)', async () => {
    const blank = await refusal({
      headers: { 'content-type': 'application/json', 'idempotency-key': ' ' },
    });
    expect([blank.status, blank.detail]).toEqual([400, expect.stringMatching(/Idempotency-Key/)]);
    expect((await refusal({ body: '{nope' })).status).toBe(400);
    expect((await refusal({ headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });

  it('reads nothing an operation does not declare', async () => {
    const bare = middy(
      async (e: APIGatewayProxyEventV2) => (e as HttpEvent<HttpOperation>).input,
    ).use(validateRequest({ ...placeOrder, request: undefined, idempotent: false }));
    expect(
      await bare(event({ body: '{nope', headers: { 'idempotency-key': ' ' } }), {} as Context),
    ).toEqual({
      path: undefined,
      query: undefined,
      body: undefined,
      idempotencyKey: undefined,
    });
  });
});
