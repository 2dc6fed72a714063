import { describe, expect, it } from 'vitest';
import { calculate } from './arithmetic.ts';

describe('calculate', () => {
  it.each([
    ['add', '0.1', '0.2', '0.3'],
    ['add', '-1.5', '1.5', '0'],
    ['subtract', '0.3', '0.1', '0.2'],
    ['subtract', '-2', '-5.25', '3.25'],
    ['multiply', '1.1', '1.1', '1.21'],
    ['multiply', '-3', '0.5', '-1.5'],
    ['multiply', '1e10', '2e-3', '20000000'],
    ['divide', '1', '4', '0.25'],
    ['divide', '-7', '2', '-3.5'],
    ['divide', '1', '3', '0.3333333333333333333333333333333333'],
    ['divide', '2', '3', '0.6666666666666666666666666666666667'],
    // Half-even: the 35th digit is exactly 5 → round to the even 34th digit.
    ['add', '1000000000000000000000000000000000', '0.5', '1000000000000000000000000000000000'],
    ['add', '1000000000000000000000000000000001', '0.5', '1000000000000000000000000000000002'],
    ['multiply', '12345678901234567', '12345678901234567', '152415787532388345526596755677489'],
    ['add', '9e6000', '1e6000', '1e+6001'],
  ] as const)('%s(%s, %s) = %s', (operation, a, b, result) => {
    expect(calculate(operation, a, b)).toEqual({ ok: true, result });
  });

  it('fails division by zero as a domain outcome', () => {
    expect(calculate('divide', '1', '0')).toEqual({
      ok: false,
      error: { code: 'DIVISION_BY_ZERO', message: 'Cannot divide by zero' },
    });
  });

  it.each([
    ['multiply', '9e6000', '9e6000'],
    ['divide', '1e-6000', '1e6000'],
  ] as const)('fails %s(%s, %s) as OUT_OF_RANGE', (operation, a, b) => {
    expect(calculate(operation, a, b)).toMatchObject({
      ok: false,
      error: { code: 'OUT_OF_RANGE' },
    });
  });
});
