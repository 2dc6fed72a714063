import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as z from '../../events/zod.ts';
import type { HttpOperation } from '../../shared/http/operation.ts';
import { zzPlaceOrder } from '../../test/support/sample-operations.ts';
import { renderOpenApi } from '../generate-openapi.ts';
import { conformanceChecker, type Exchange } from './openapi-conformance.ts';

// Operations no fork would have, documented by the generator itself.
const zzCountOrders = {
  method: 'GET',
  path: '/zz-orders/count',
  operationId: 'zzCountOrders',
  summary: 'How many',
  responses: { 200: { description: 'The count', body: z.int() } },
} satisfies HttpOperation;
const zzGetOrder = {
  method: 'GET',
  path: '/zz-orders/{id}',
  operationId: 'zzGetOrder',
  summary: 'One order',
  responses: { 204: { description: 'Nothing to say' } },
} satisfies HttpOperation;
const check = conformanceChecker(parse(renderOpenApi([zzPlaceOrder, zzCountOrders, zzGetOrder])));

const id = '0b6f8b1e-5d55-4c1a-9f0e-3c5f2d7a9e41';
const placed: Exchange = {
  method: 'POST',
  path: '/zz-orders',
  status: 201,
  headers: { 'Content-Type': 'application/json; charset=utf-8', location: `/zz-orders/${id}` },
  body: JSON.stringify({ zzOrderId: id, placedAt: '2026-01-01T00:00:00Z' }),
};
const problem = (status: number): Exchange => ({
  ...placed,
  status,
  headers: { 'content-type': 'application/problem+json' },
  body: JSON.stringify({ type: 'about:blank', title: 'Refused', status, errors: ['… and 2 more'] }),
});

describe('conformanceChecker', () => {
  it('passes answers the document describes: exact statuses, ranges, problems, no body', () => {
    expect(check(placed)).toEqual([]);
    expect(check(problem(422))).toEqual([]); // the Idempotency-Key's
    expect(check(problem(413))).toEqual([]); // the body's
    expect(
      check({
        ...placed,
        status: 504,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Timeout"}',
      }),
    ).toEqual([]); // API Gateway's 5XX
    expect(
      check({
        method: 'GET',
        path: '/zz-orders/count',
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '3',
      }),
    ).toEqual([]); // a literal path before a templated one
    expect(
      check({ method: 'GET', path: `/zz-orders/${id}`, status: 204, headers: {}, body: '' }),
    ).toEqual([]);
  });

  it.each<[string, Partial<Exchange>, RegExp]>([
    [
      'an undocumented status',
      { status: 200 },
      /status 200 is not documented for POST \/zz-orders \(documented: 201, 400/,
    ],
    ['a problem the operation cannot answer', { ...problem(403) }, /status 403 is not documented/],
    [
      'a required header missing',
      { headers: { 'content-type': 'application/json' } },
      /the Location header is missing/,
    ],
    [
      'a header against its schema',
      { headers: { ...placed.headers, location: '/elsewhere' } },
      /the Location header "\/elsewhere": \(the value\) must match pattern/,
    ],
    [
      'another media type',
      { headers: { ...placed.headers, 'content-type': 'text/plain' } },
      /Content-Type text\/plain is not one documented \(application\/json\)/,
    ],
    ['a body that is not JSON', { body: '{nope' }, /body is not JSON/],
    [
      'a missing field',
      { body: JSON.stringify({ zzOrderId: id }) },
      /must have required property 'placedAt'/,
    ],
    [
      'a field of another type',
      { body: JSON.stringify({ zzOrderId: 7, placedAt: '2026-01-01T00:00:00Z' }) },
      /\/zzOrderId must be string/,
    ],
    [
      'a field the schema does not have',
      { body: JSON.stringify({ zzOrderId: id, placedAt: '2026-01-01T00:00:00Z', zz: 1 }) },
      /must NOT have additional properties \("zz"\)/,
    ],
    [
      'a format broken',
      { body: JSON.stringify({ zzOrderId: 'zz', placedAt: '2026-01-01T00:00:00Z' }) },
      /\/zzOrderId must match format "uuid"/,
    ],
    ['a route not in the document', { method: 'DELETE' }, /documents no DELETE \/zz-orders/],
    ['a path not in the document', { path: '/zz-customers' }, /documents no POST \/zz-customers/],
  ])('refuses %s', (_, change, message) => {
    const errors = check({ ...placed, ...change });
    expect(errors.join('\n')).toMatch(message);
  });

  it('refuses a body where the answer documents none', () => {
    expect(
      check({ method: 'GET', path: `/zz-orders/${id}`, status: 204, headers: {}, body: 'zz' }),
    ).toEqual([`GET /zz-orders/${id} → 204: a body where openapi.yaml documents none`]);
  });
});
