import DecimalJs from 'decimal.js';
import { DECIMAL_LIMITS } from './decimal.ts';

// Contract decimals as numbers to compute with (decimal.js). Only code that computes imports this
// module: validating a contract's decimal (decimal.ts) reads its text and bundles no decimal.js.

/** A Decimal.js constructor configured for the contract: exact up to the limits, no exponent surprises. */
export const Decimal = DecimalJs.clone({
  precision: DECIMAL_LIMITS.significantDigits,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -7,
  toExpPos: DECIMAL_LIMITS.significantDigits,
  maxE: 9e15,
  minE: -9e15,
});
export type Decimal = InstanceType<typeof Decimal>;

/** Why `value` is not a contract decimal, or undefined when it is one. */
export function decimalProblem(value: Decimal): string | undefined {
  if (!value.isFinite()) return 'must be finite';
  if (value.isZero()) return undefined;
  if (value.precision() > DECIMAL_LIMITS.significantDigits) {
    return `has more than ${DECIMAL_LIMITS.significantDigits} significant digits`;
  }
  const exponent = value.e;
  if (exponent > DECIMAL_LIMITS.maxExponent || exponent < DECIMAL_LIMITS.minExponent) {
    return `is out of range (exponent ${exponent}, allowed ${DECIMAL_LIMITS.minExponent}..${DECIMAL_LIMITS.maxExponent})`;
  }
  return undefined;
}

/**
 * The canonical text of a decimal: no trailing zeros, no "+", "-0" becomes "0", plain notation
 * unless the exponent is ≥ 34 or ≤ -7 (then "1e+34", "1e-7") — what DecimalString outputs.
 */
export const canonicalDecimal = (value: Decimal): string =>
  value.isZero() ? '0' : value.toString();
