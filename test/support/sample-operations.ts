import * as z from '../../events/zod.ts';
import type { HttpOperation } from '../../shared/http/operation.ts';

// For the tests of the HTTP mechanism (respond, the OpenAPI generator, the e2e tier's checker):
// operations no fork would have, so that those tests hold in any fork.

/** An idempotent POST: a body, a 201 with Location, a problem of its own. */
export const zzPlaceOrder = {
  method: 'POST',
  path: '/zz-orders',
  operationId: 'zzPlaceOrder',
  summary: 'Place an order',
  request: { body: z.object({ amount: z.int() }) },
  idempotent: true,
  responses: {
    201: {
      description: 'Placed',
      body: z.object({ zzOrderId: z.uuid(), placedAt: z.iso.datetime() }),
      headers: z.object({ Location: z.string().check(z.startsWith('/zz-orders/')) }),
    },
  },
  problems: { 404: 'No such customer' },
} satisfies HttpOperation;

/** A GET with a path parameter. */
export const zzGetOrder = {
  method: 'GET',
  path: '/zz-orders/{id}',
  operationId: 'zzGetOrder',
  summary: 'Read an order',
  request: { path: z.object({ id: z.string() }) },
  responses: { 200: { description: 'The order', body: z.object({ name: z.string() }) } },
  problems: { 404: 'No such order' },
} satisfies HttpOperation;
