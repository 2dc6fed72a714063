import { DecimalString } from './decimal.ts';
import { Operation } from './operation.ts';
import * as z from './zod.ts';

export { Operation };

// The fields every calculation event shares; each contract extends them.

export const CalculationRequest = z.object({
  operation: Operation,
  a: DecimalString,
  b: DecimalString,
});

export const CalculationFields = z.extend(CalculationRequest, {
  calculationId: z.uuid(),
});
