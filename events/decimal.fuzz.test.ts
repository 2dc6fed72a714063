import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECIMAL_TEXT_SCHEMA, DecimalString } from './decimal.ts';

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
