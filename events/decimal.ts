import DecimalJs from 'decimal.js';
import * as z from 'zod';

/**
 * Decimal numbers travel as canonical strings ("-12.5", "0.3", "1e+25"), never as JSON floats.
 * Limits follow IEEE 754 decimal128: 34 significant digits, exponent within ±6143.
 */
export const DECIMAL_LIMITS = {
  significantDigits: 34,
  maxExponent: 6143,
  minExponent: -6143,
} as const;

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

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Longer than any contract decimal can be written (34 digits, a point, a sign, an exponent). */
const MAX_TEXT_LENGTH = 100;

/**
 * The decimal rule as JSON Schema can check it, for documents that describe an input (an HTTP
 * request): the text's pattern, blanks around it allowed (they are trimmed), and its length. Both
 * apply to strings only; a JSON number is any number. The range (34 significant digits, exponent
 * within ±6143) is left to the parser.
 */
export const DECIMAL_TEXT_SCHEMA = {
  pattern: `^\\s*${DECIMAL_TEXT.source.slice(1, -1)}\\s*$`,
  maxLength: MAX_TEXT_LENGTH,
} as const;

/** At most `max` characters of what a client sent, for a message that names it. */
export const preview = (text: string, max = 24): string =>
  text.length > max ? `${text.slice(0, max)}…` : text;

/**
 * The decimal exponent of `text` (a match of DECIMAL_TEXT) as written, before decimal.js reads it:
 * decimal.js flushes exponents beyond ±9e15 to 0 or Infinity, so "1e-99999999999999999999" would
 * pass as 0. Undefined for zero, whose exponent does not matter.
 */
function writtenExponent(text: string): number | undefined {
  const [mantissa = '', exponent = '0'] = text.replace(/^[+-]/, '').toLowerCase().split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = `${whole}${fraction}`;
  const first = digits.search(/[1-9]/);
  if (first < 0) return undefined;
  return Number(exponent) + whole.length - 1 - first;
}

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
 * unless the exponent is ≥ 34 or ≤ -7 (then "1e+34", "1e-7").
 */
export const canonicalDecimal = (value: Decimal): string =>
  value.isZero() ? '0' : value.toString();

/**
 * A decimal in the contract. Accepts a decimal string or a JSON number (read from its source
 * text by `parseJson`, so never through a float) and outputs the canonical string.
 */
export const DecimalString = z
  .union([z.string(), z.number()], {
    error: 'expected a decimal number: a string like "12.5" or a finite JSON number',
  })
  .transform((input, ctx) => {
    const text = typeof input === 'number' ? String(input) : input.trim();
    // As sent, blanks included: the length DECIMAL_TEXT_SCHEMA documents.
    if ((typeof input === 'string' ? input : text).length > MAX_TEXT_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        message: `"${preview(text)}" is longer than a decimal may be written (${MAX_TEXT_LENGTH} characters)`,
      });
      return z.NEVER;
    }
    if (!DECIMAL_TEXT.test(text)) {
      ctx.addIssue({ code: 'custom', message: `"${preview(text)}" is not a decimal number` });
      return z.NEVER;
    }
    const exponent = writtenExponent(text);
    if (
      exponent !== undefined &&
      (exponent > DECIMAL_LIMITS.maxExponent || exponent < DECIMAL_LIMITS.minExponent)
    ) {
      ctx.addIssue({
        code: 'custom',
        message: `decimal is out of range (exponent ${preview(String(exponent))}, allowed ${DECIMAL_LIMITS.minExponent}..${DECIMAL_LIMITS.maxExponent})`,
      });
      return z.NEVER;
    }
    const value = new Decimal(text);
    const problem = decimalProblem(value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `decimal ${problem}` });
      return z.NEVER;
    }
    return canonicalDecimal(value);
  })
  .meta({
    description: `Decimal number as a string: up to ${DECIMAL_LIMITS.significantDigits} significant digits, optional exponent.`,
  });
