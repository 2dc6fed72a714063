import * as z from './zod.ts';

/** What a calculation does with its operands. A module of its own: reading it costs no decimal.js. */
export const Operation = z.enum(['add', 'subtract', 'multiply', 'divide']);
export type Operation = z.infer<typeof Operation>;
