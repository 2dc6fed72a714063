import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type HttpOperation, respond } from './operation.ts';
import { problemsOf } from './operation-problems.ts';

const placeOrder = {
  method: 'POST',
  path: '/orders',
  operationId: 'placeOrder',
  summary: 'Place an order',
  request: { body: z.object({ amount: z.int() }) },
  idempotent: true,
  responses: {
    201: {
      description: 'Placed',
      body: z.object({ orderId: z.string() }),
      headers: z.object({ Location: z.string() }),
    },
  },
  problems: { 404: 'No such customer' },
} satisfies HttpOperation;

const listOrders = {
  method: 'GET',
  path: '/orders',
  operationId: 'listOrders',
  summary: 'List orders',
  responses: { 200: { description: 'The orders', body: z.array(z.string()) } },
} satisfies HttpOperation;

describe('respond', () => {
  it('answers JSON with the declared headers', () => {
    expect(respond(placeOrder, 201, { orderId: 'o-1' }, { Location: '/orders/o-1' })).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', Location: '/orders/o-1' },
      body: '{"orderId":"o-1"}',
    });
    expect(respond(listOrders, 200, ['o-1']).headers).toEqual({
      'content-type': 'application/json',
    });
  });

  it('lets the compiler refuse what the operation does not declare', () => {
    // Each line fails typecheck (npm run typecheck) if it compiles: the checks are the compiler's.
    const refused = [
      // @ts-expect-error an undeclared status
      () => respond(placeOrder, 200, { orderId: 'o-1' }, { Location: '/orders/o-1' }),
      // @ts-expect-error a body of another shape
      () => respond(placeOrder, 201, { id: 'o-1' }, { Location: '/orders/o-1' }),
      // @ts-expect-error a declared header left out
      () => respond(placeOrder, 201, { orderId: 'o-1' }),
      // @ts-expect-error headers the answer does not declare
      () => respond(listOrders, 200, ['o-1'], { Location: '/orders' }),
    ];
    expect(refused).toHaveLength(4);
  });
});

describe('problemsOf', () => {
  it("adds what the request's shape and the shared helpers answer to the operation's own", () => {
    expect(Object.keys(problemsOf(placeOrder)).map(Number)).toEqual([
      400, 404, 409, 413, 415, 422, 500,
    ]);
    expect(problemsOf(placeOrder)[400]).toMatch(/body.*Idempotency-Key/);
    expect(Object.keys(problemsOf(listOrders)).map(Number)).toEqual([500]);
  });
});
