import * as z from 'zod';
import { DecimalString } from './decimal.ts';

// The fields every calculation event shares; each contract extends them.
export const Operation = z.enum(['add', 'subtract', 'multiply', 'divide']);
export type Operation = z.infer<typeof Operation>;

export const CalculationRequest = z.object({
  operation: Operation,
  a: DecimalString,
  b: DecimalString,
});

export const CalculationFields = CalculationRequest.extend({
  calculationId: z.uuid(),
});
