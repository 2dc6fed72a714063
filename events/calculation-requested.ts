import { calculationFields } from './calculation-fields.ts';
import { defineContract } from './contract.ts';
import * as z from './zod.ts';

export const calculationRequested = defineContract({
  type: 'calculation.requested',
  version: 1,
  description: 'Someone asked for a calculation; the calculator will compute it.',
  schema: () =>
    z.extend(calculationFields(), {
      owner: z.optional(z.string().check(z.minLength(1), z.maxLength(256))).check(
        z.meta({
          description:
            "Who asked: the caller's JWT sub when the HTTP API is authenticated; only they may read the calculation.",
        }),
      ),
    }),
  examples: [
    { calculationId: '6f1c1c3e-3f0e-4c55-9d43-0a7a3c1e2b10', operation: 'add', a: '0.1', b: '0.2' },
  ],
});
export type CalculationRequested = z.infer<typeof calculationRequested.schema>;
