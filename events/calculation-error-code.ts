import * as z from './zod.ts';

/**
 * Domain outcomes, not errors: the calculation can never succeed with these inputs. Built the
 * first time it validates (z.lazy).
 */
export const CalculationErrorCode = z.lazy(() => z.enum(['DIVISION_BY_ZERO', 'OUT_OF_RANGE']));
