import { describe, expect, it } from 'vitest';
import { parseJson } from '../shared/json.ts';
import { DecimalString } from './decimal.ts';

describe('DecimalString', () => {
  it.each([
    ['0.3', '0.3'],
    ['-12.5', '-12.5'],
    ['1.50', '1.5'],
    ['+7', '7'],
    ['.5', '0.5'],
    ['1e3', '1000'],
    ['1.5E-3', '0.0015'],
    ['-0', '0'],
    ['-0.000', '0'],
    ['1e25', '10000000000000000000000000'],
    ['1e34', '1e+34'],
    ['1e-8', '1e-8'],
    ['123456789012345678901234567890.1234', '123456789012345678901234567890.1234'],
  ])('normalises %s to %s', (input, canonical) => {
    expect(DecimalString.parse(input)).toBe(canonical);
  });

  it('accepts JSON numbers without passing them through floating point', () => {
    const body = parseJson(
      '{"a": 0.1, "b": 0.2, "c": 12345678901234567890.123456789, "d": 3}',
    ) as Record<string, unknown>;
    expect(body).toEqual({ a: '0.1', b: '0.2', c: '12345678901234567890.123456789', d: 3 });
    expect(DecimalString.parse(body.c)).toBe('12345678901234567890.123456789');
    expect(DecimalString.parse(body.d)).toBe('3');
  });

  it.each([
    ['12345678901234567890123456789012345', /more than 34 significant digits/],
    ['abc', /"abc" is not a decimal number/],
    ['1e', /not a decimal number/],
    ['NaN', /not a decimal number/],
    ['Infinity', /not a decimal number/],
    ['1e99999', /out of range/],
    ['', /not a decimal number/],
  ])('rejects %s', (input, message) => {
    const result = DecimalString.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it('does not count trailing integer zeros as significant digits', () => {
    expect(DecimalString.parse('1000000000000000000000000000000000000000')).toBe('1e+39');
  });

  it.each([['1e-99999999999999999999'], ['-5e+99999999999999999999'], ['1e-7000'], ['0.1e6145']])(
    'refuses %s: its exponent is out of range, however far (decimal.js would flush it to 0)',
    (input) => {
      const result = DecimalString.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/out of range/);
    },
  );

  it('echoes a few characters of a long input, never all of it', () => {
    const huge = `${'9'.repeat(3_000_000)}x`;
    const result = DecimalString.safeParse(huge);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message.length).toBeLessThan(200);
  });
});
