import * as z from './zod.ts';

/** Domain outcomes, not errors: the calculation can never succeed with these inputs. */
export const CalculationErrorCode = z.enum(['DIVISION_BY_ZERO', 'OUT_OF_RANGE']);
