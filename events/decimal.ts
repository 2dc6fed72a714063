import * as z from './zod.ts';

/**
 * Decimal numbers travel as canonical strings ("-12.5", "0.3", "1e+25"), never as JSON floats.
 * Limits follow IEEE 754 decimal128: 34 significant digits, exponent within ±6143.
 *
 * This module reads and writes the text alone, so a function that validates a contract bundles no
 * arbitrary-precision library; code that computes with decimals uses decimal-value.ts (decimal.js),
 * whose canonical text equals this module's (decimal.fuzz.test.ts).
 */
export const DECIMAL_LIMITS = {
  significantDigits: 34,
  maxExponent: 6143,
  minExponent: -6143,
} as const;

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

/** Exponents written in plain notation; beyond them "1e-7" and "1e+34", as decimal.js writes them. */
const PLAIN_EXPONENTS = { min: -6, max: DECIMAL_LIMITS.significantDigits - 1 } as const;

/**
 * The canonical text of `text` (a match of DECIMAL_TEXT): no sign for zero, no "+", no leading or
 * trailing zeros, plain notation for exponents within PLAIN_EXPONENTS, otherwise one digit before
 * the point and "e+N"/"e-N"; or why it is not a contract decimal.
 */
function readDecimal(text: string): { text: string } | { problem: string } {
  const [, sign = '', whole = '', fraction = '', written = '0'] =
    /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text) ?? [];
  const digits = `${whole}${fraction}`;
  const first = digits.search(/[1-9]/);
  if (first < 0) return { text: '0' };
  // The exponent of the first significant digit: 1500 and 1.5e3 both 3.
  const exponent = Number(written) + whole.length - 1 - first;
  if (exponent > DECIMAL_LIMITS.maxExponent || exponent < DECIMAL_LIMITS.minExponent) {
    return {
      problem: `decimal is out of range (exponent ${preview(String(exponent))}, allowed ${DECIMAL_LIMITS.minExponent}..${DECIMAL_LIMITS.maxExponent})`,
    };
  }
  const significant = digits.slice(first).replace(/0+$/, '');
  if (significant.length > DECIMAL_LIMITS.significantDigits) {
    return {
      problem: `decimal has more than ${DECIMAL_LIMITS.significantDigits} significant digits`,
    };
  }
  const negative = sign === '-' ? '-' : '';
  if (exponent < PLAIN_EXPONENTS.min || exponent > PLAIN_EXPONENTS.max) {
    const rest = significant.length > 1 ? `.${significant.slice(1)}` : '';
    return {
      text: `${negative}${significant[0]}${rest}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`,
    };
  }
  if (exponent < 0) return { text: `${negative}0.${'0'.repeat(-exponent - 1)}${significant}` };
  const integer = significant.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const decimals = significant.slice(exponent + 1);
  return { text: `${negative}${integer}${decimals ? `.${decimals}` : ''}` };
}

/** The canonical text of a decimal string or of a JSON number's source text, or why it is none. */
function canonicalText(input: string | number): { text: string } | { problem: string } {
  const text = typeof input === 'number' ? String(input) : input.trim();
  // As sent, blanks included: the length DECIMAL_TEXT_SCHEMA documents.
  if ((typeof input === 'string' ? input : text).length > MAX_TEXT_LENGTH) {
    return {
      problem: `"${preview(text)}" is longer than a decimal may be written (${MAX_TEXT_LENGTH} characters)`,
    };
  }
  if (!DECIMAL_TEXT.test(text)) return { problem: `"${preview(text)}" is not a decimal number` };
  return readDecimal(text);
}

/**
 * A decimal in the contract. Accepts a decimal string or a JSON number (read from its source
 * text by `parseJson`, so never through a float) and outputs the canonical string. Built the first
 * time it validates (z.lazy), not at every cold start that imports it.
 */
export const DecimalString = z.lazy(() =>
  z
    .pipe(
      z.union([z.string(), z.number()], {
        error: 'expected a decimal number: a string like "12.5" or a finite JSON number',
      }),
      z.transform((input: string | number, payload) => {
        const read = canonicalText(input);
        if ('text' in read) return read.text;
        payload.issues.push({ code: 'custom', message: read.problem, input });
        return z.NEVER;
      }),
    )
    .check(
      z.meta({
        description: `Decimal number as a string: up to ${DECIMAL_LIMITS.significantDigits} significant digits, optional exponent.`,
      }),
    ),
);
