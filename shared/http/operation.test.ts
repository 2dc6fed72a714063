import { describe, expect, it } from 'vitest';
import * as z from '../../events/zod.ts';
import { zzPlaceOrder as placeOrder } from '../../test/support/sample-operations.ts';
import { type HttpOperation, problem, respond } from './operation.ts';
import { problemsOf } from './operation-problems.ts';

const listOrders = {
  method: 'GET',
  path: '/orders',
  operationId: 'listOrders',
  summary: 'List orders',
  responses: { 200: { description: 'The orders', body: z.array(z.string()) } },
} satisfies HttpOperation;

describe('respond', () => {
  it('answers JSON with the declared headers', () => {
    const placed = { zzOrderId: 'o-1', placedAt: '2026-01-01T00:00:00Z' };
    expect(respond(placeOrder, 201, placed, { Location: '/zz-orders/o-1' })).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', Location: '/zz-orders/o-1' },
      body: JSON.stringify(placed),
    });
    expect(respond(listOrders, 200, ['o-1']).headers).toEqual({
      'content-type': 'application/json',
    });
  });

  it('lets the compiler refuse what the operation does not declare', () => {
    // Each line fails typecheck (npm run typecheck) if it compiles: the checks are the compiler's.
    const placed = { zzOrderId: 'o-1', placedAt: '2026-01-01T00:00:00Z' };
    const refused = [
      // @ts-expect-error an undeclared status
      () => respond(placeOrder, 200, placed, { Location: '/zz-orders/o-1' }),
      // @ts-expect-error a body of another shape
      () => respond(placeOrder, 201, { id: 'o-1' }, { Location: '/zz-orders/o-1' }),
      // @ts-expect-error a declared header left out
      () => respond(placeOrder, 201, placed),
      // @ts-expect-error headers the answer does not declare
      () => respond(listOrders, 200, ['o-1'], { Location: '/orders' }),
    ];
    expect(refused).toHaveLength(4);
  });
});

describe('problem', () => {
  it('is an HttpProblem of a status the operation declares, and only such', () => {
    expect(problem(placeOrder, 404, 'Not Found', 'No customer c-1')).toMatchObject({
      status: 404,
      title: 'Not Found',
      detail: 'No customer c-1',
    });
    // @ts-expect-error a status the operation does not declare among its problems
    expect(problem(placeOrder, 403, 'Forbidden').status).toBe(403);
    // @ts-expect-error an operation with no problems of its own
    expect(problem(listOrders, 404, 'Not Found').status).toBe(404);
  });
});

describe('problemsOf', () => {
  it("adds what the request's shape and the shared helpers answer to the operation's own", () => {
    expect(Object.keys(problemsOf(placeOrder)).map(Number)).toEqual([
      400, 401, 404, 409, 413, 415, 422, 500,
    ]);
    expect(problemsOf(placeOrder)[400]).toMatch(/body.*Idempotency-Key/);
    // Every route checks its caller: a JWT without `sub` is 401 on any of them.
    expect(Object.keys(problemsOf(listOrders)).map(Number)).toEqual([401, 500]);
  });
});
