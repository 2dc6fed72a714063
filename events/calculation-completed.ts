import { calculationFields } from './calculation-fields.ts';
import { defineContract } from './contract.ts';
import { DecimalString } from './decimal.ts';
import * as z from './zod.ts';

export const calculationCompleted = defineContract({
  type: 'calculation.completed',
  version: 1,
  description: 'A calculation finished with a result.',
  schema: () => z.extend(calculationFields(), { result: DecimalString }),
  examples: [
    {
      calculationId: '6f1c1c3e-3f0e-4c55-9d43-0a7a3c1e2b10',
      operation: 'add',
      a: '0.1',
      b: '0.2',
      result: '0.3',
    },
  ],
});
export type CalculationCompleted = z.infer<typeof calculationCompleted.schema>;
