import { CalculationErrorCode } from './calculation-error-code.ts';
import { calculationFields } from './calculation-fields.ts';
import { defineContract } from './contract.ts';
import * as z from './zod.ts';

export { CalculationErrorCode };

export const calculationFailed = defineContract({
  type: 'calculation.failed',
  version: 1,
  description: 'A calculation cannot produce a result (a domain outcome such as division by zero).',
  schema: () =>
    z.extend(calculationFields(), {
      error: z.object({ code: CalculationErrorCode, message: z.string().check(z.minLength(1)) }),
    }),
  examples: [
    {
      calculationId: '0b6f3a52-9a59-4e53-a0d4-5f5b6c1d2e3f',
      operation: 'divide',
      a: '1',
      b: '0',
      error: { code: 'DIVISION_BY_ZERO', message: 'Cannot divide by zero' },
    },
  ],
});
export type CalculationFailed = z.infer<typeof calculationFailed.schema>;
