import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson } from './json.ts';

describe('parseJson', () => {
  it('keeps numbers that are not safe integers as their source text, at any depth', () => {
    expect(
      parseJson('{"a": 0.1, "b": [1, {"c": 12345678901234567890, "d": -2.50}], "e": 3, "f": null}'),
    ).toEqual({ a: '0.1', b: [1, { c: '12345678901234567890', d: '-2.50' }], e: 3, f: null });
  });

  it('parses what JSON.parse does, exact numbers aside (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const parsed = parseJson(text);
        const revived = JSON.parse(text, (_key, v, context?: { source?: string }) =>
          typeof v === 'number' && !Number.isSafeInteger(v) && context?.source ? context.source : v,
        );
        expect(parsed).toEqual(revived);
      }),
      { numRuns: 500 },
    );
  });
});
