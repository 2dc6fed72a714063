import * as z from '../../events/zod.ts';

/** A calculation's lifecycle. `pending` until an outcome arrives; outcomes are final. */
export const CalculationStatus = z.enum(['pending', 'completed', 'failed']);
export type CalculationStatus = z.infer<typeof CalculationStatus>;

/**
 * The status-merge rule: from which stored status an incoming status may be written.
 * `undefined` = no record yet. Events arrive in any order and more than once, so a status never
 * regresses: a late `requested` cannot undo an outcome, and the first outcome wins.
 */
export const WRITABLE_FROM: Record<
  CalculationStatus,
  ReadonlyArray<CalculationStatus | undefined>
> = {
  pending: [undefined],
  completed: [undefined, 'pending'],
  failed: [undefined, 'pending'],
};

export const statusOfEvent = {
  'calculation.requested': 'pending',
  'calculation.completed': 'completed',
  'calculation.failed': 'failed',
} as const satisfies Record<string, CalculationStatus>;

/** The status after applying `incoming` to a record currently in `current`. */
export const mergeStatus = (
  current: CalculationStatus | undefined,
  incoming: CalculationStatus,
): CalculationStatus =>
  WRITABLE_FROM[incoming].includes(current) ? incoming : (current ?? incoming);
