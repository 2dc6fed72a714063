import * as z from './zod.ts';

/**
 * What a calculation does with its operands. A module of its own: reading it costs no decimal.js.
 * Built the first time it validates (z.lazy), not at every cold start that imports it.
 */
export const Operation = z.lazy(() => z.enum(['add', 'subtract', 'multiply', 'divide']));
export type Operation = z.infer<typeof Operation>;
