import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { idempotencyKey } from './idempotency-key.ts';
import { HttpProblem } from './problem.ts';

const withKey = (key?: string) =>
  ({ headers: key === undefined ? {} : { 'idempotency-key': key } }) as APIGatewayProxyEventV2;

describe('idempotencyKey', () => {
  it('is the header, or undefined without one', () => {
    expect(idempotencyKey(withKey('0b6f8b1e-5d55-4c1a-9f0e-3c5f2d7a9e41'))).toBe(
      '0b6f8b1e-5d55-4c1a-9f0e-3c5f2d7a9e41',
    );
    expect(idempotencyKey(withKey())).toBeUndefined();
  });

  it.each([[''], ['   '], ['k'.repeat(256)]])('refuses %j with a 400 naming the header', (key) => {
    expect(() => idempotencyKey(withKey(key))).toThrow(HttpProblem);
    expect(() => idempotencyKey(withKey(key))).toThrow(/Idempotency-Key header/);
  });
});
