import { describe, expect, it } from 'vitest';
import { requestIds } from './request-ids.ts';

describe('requestIds', () => {
  it('gives a retried request the same ids', () => {
    expect(requestIds('k-1', 'alice')).toEqual(requestIds('k-1', 'alice'));
    expect(requestIds('k-1')).toEqual(requestIds('k-1'));
  });

  it('scopes a key to its caller: the same key from another caller is another calculation', () => {
    const alice = requestIds('k-1', 'alice');
    const bob = requestIds('k-1', 'bob');
    expect(bob.calculationId).not.toBe(alice.calculationId);
    expect(bob.eventId).not.toBe(alice.eventId);
    expect(requestIds('k-1').calculationId).not.toBe(alice.calculationId);
  });
});
