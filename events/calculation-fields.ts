import { DecimalString } from './decimal.ts';
import { Operation } from './operation.ts';
import * as z from './zod.ts';

export { Operation };

// The fields every calculation event shares; each contract extends them. Functions that build
// them, so that only the contracts a function validates build theirs (events.md, Contracts).

export const calculationRequest = () =>
  z.object({
    operation: Operation,
    a: DecimalString,
    b: DecimalString,
  });

export const calculationFields = () =>
  z.extend(calculationRequest(), {
    calculationId: z.uuid(),
  });
