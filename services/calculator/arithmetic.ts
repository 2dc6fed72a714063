import type { CalculationErrorCode } from '../../events/calculation-failed.ts';
import type { Operation } from '../../events/calculation-fields.ts';
import { DECIMAL_LIMITS } from '../../events/decimal.ts';
import { canonicalDecimal, Decimal, decimalProblem } from '../../events/decimal-value.ts';
import type * as z from '../../events/zod.ts';

export type Outcome =
  | { ok: true; result: string }
  | { ok: false; error: { code: z.infer<typeof CalculationErrorCode>; message: string } };

/**
 * Decimal arithmetic with IEEE 754 decimal128 semantics: exact whenever the result fits in 34
 * significant digits, otherwise rounded half-even to 34 (so 1/3 = 0.3333…3 with 34 threes).
 * Results whose exponent leaves ±6143 are OUT_OF_RANGE; dividing by zero is DIVISION_BY_ZERO.
 * Never touches a JavaScript float.
 */
export function calculate(operation: Operation, a: string, b: string): Outcome {
  const x = new Decimal(a);
  const y = new Decimal(b);
  if (operation === 'divide' && y.isZero()) {
    return { ok: false, error: { code: 'DIVISION_BY_ZERO', message: 'Cannot divide by zero' } };
  }
  const result = {
    add: () => x.plus(y),
    subtract: () => x.minus(y),
    multiply: () => x.times(y),
    divide: () => x.dividedBy(y),
  }[operation]();
  const problem = decimalProblem(result);
  if (problem) {
    return {
      ok: false,
      error: {
        code: 'OUT_OF_RANGE',
        message: `The result ${problem}; results must stay within ±9.999…e${DECIMAL_LIMITS.maxExponent} and above 1e${DECIMAL_LIMITS.minExponent} in magnitude`,
      },
    };
  }
  return { ok: true, result: canonicalDecimal(result) };
}
