import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECIMAL_LIMITS, DECIMAL_TEXT_SCHEMA, DecimalString } from './decimal.ts';
import { canonicalDecimal, Decimal, decimalProblem } from './decimal-value.ts';

// Any string or number: a canonical decimal string that parses back to itself, or a validation
// issue naming the value — never a throw.
const numRuns = Number(process.env.FUZZ_RUNS ?? (process.env.CI ? 300 : 10_000));

const decimalText = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.stringMatching(/^\d{1,40}$/),
    fc.option(fc.stringMatching(/^\d{1,40}$/)),
    fc.option(fc.integer({ min: -7000, max: 7000 })),
  )
  .map(
    ([sign, int, frac, exp]) =>
      `${sign}${int}${frac ? `.${frac}` : ''}${exp === null ? '' : `e${exp}`}`,
  );

describe('DecimalString (fuzz)', () => {
  it('canonicalises or refuses any input, and canonical output is stable', () => {
    fc.assert(
      fc.property(fc.oneof(decimalText, fc.string(), fc.double(), fc.integer()), (input) => {
        const result = DecimalString.safeParse(input);
        if (result.success) {
          expect(typeof result.data).toBe('string');
          expect(DecimalString.parse(result.data)).toBe(result.data); // idempotent
        } else {
          expect(result.error.issues[0]?.message).toMatch(/decimal/);
        }
      }),
      { numRuns },
    );
  }, 300_000);
});

describe('DecimalString reads text as decimal.js does (decimal-value.ts, the arithmetic)', () => {
  // Exponents and digit counts around every limit: plain vs exponent notation (-7, 34), the
  // range (±6143) and the significant digits (34), leading and trailing zeros.
  const digits = fc.stringMatching(/^0{0,3}\d{0,36}0{0,3}$/);
  const text = fc
    .tuple(
      fc.constantFrom('', '-', '+'),
      digits,
      fc.option(digits),
      fc.option(
        fc.oneof(
          fc.integer({ min: -45, max: 45 }),
          fc.integer({ min: -6190, max: -6100 }),
          fc.integer({ min: 6100, max: 6190 }),
        ),
      ),
    )
    .map(
      ([sign, int, frac, exp]) =>
        `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`,
    )
    .filter((t) => /\d/.test(t.replace(/e.*$/, '')));

  it('gives the canonical text decimal.js gives, and refuses what it finds out of range', () => {
    fc.assert(
      fc.property(text, (input) => {
        const value = new Decimal(input);
        const problem = decimalProblem(value);
        const parsed = DecimalString.safeParse(input);
        if (problem) {
          expect(parsed.success, `${input}: ${problem}`).toBe(false);
          // Both rules broken: decimal.js names the digits first, DecimalString the range.
          expect(parsed.error?.issues[0]?.message).toMatch(
            /^decimal (is out of range \(exponent -?\d+, allowed -6143\.\.6143\)|has more than 34 significant digits)$/,
          );
        } else {
          expect(parsed.data, input).toBe(canonicalDecimal(value));
        }
      }),
      { numRuns: Math.max(numRuns, 2000) },
    );
  });

  it('agrees at the limits', () => {
    const max = `9.${'9'.repeat(DECIMAL_LIMITS.significantDigits - 1)}e${DECIMAL_LIMITS.maxExponent}`;
    for (const input of [
      max,
      `-${max}`,
      `1e${DECIMAL_LIMITS.minExponent}`,
      '1e-7',
      '1e-6',
      '1e33',
      '1e34',
      '0e99999',
      '-0.0',
    ]) {
      expect(DecimalString.parse(input), input).toBe(canonicalDecimal(new Decimal(input)));
    }
  });
});

describe('DECIMAL_TEXT_SCHEMA: what openapi.yaml says of an operand string', () => {
  const pattern = new RegExp(DECIMAL_TEXT_SCHEMA.pattern);
  const text = fc.stringMatching(/^[ \t]?[+-]?[0-9.eE+-]{0,12}[ \t]?$/);
  it('admits exactly the strings the parser reads as decimals (the range aside)', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 120 })), (s) => {
        const documented = pattern.test(s) && s.length <= DECIMAL_TEXT_SCHEMA.maxLength;
        const parsed = DecimalString.safeParse(s);
        const outOfRange =
          !parsed.success && /out of range|significant digits/.test(parsed.error.message);
        expect(documented).toBe(parsed.success || outOfRange);
      }),
      { numRuns: 2000 },
    );
  });
});
