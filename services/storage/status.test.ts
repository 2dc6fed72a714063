import { describe, expect, it } from 'vitest';
import { type CalculationStatus, mergeStatus } from './status.ts';

describe('status-merge rule', () => {
  it.each<[CalculationStatus | undefined, CalculationStatus, CalculationStatus]>([
    [undefined, 'pending', 'pending'],
    [undefined, 'completed', 'completed'], // completed before its requested
    [undefined, 'failed', 'failed'],
    ['pending', 'pending', 'pending'], // replayed requested
    ['pending', 'completed', 'completed'],
    ['pending', 'failed', 'failed'],
    ['completed', 'pending', 'completed'], // late requested never regresses
    ['failed', 'pending', 'failed'],
    ['completed', 'completed', 'completed'],
    ['completed', 'failed', 'completed'], // first outcome wins
    ['failed', 'completed', 'failed'],
  ])('%s + %s → %s', (current, incoming, expected) => {
    expect(mergeStatus(current, incoming)).toBe(expected);
  });
});
