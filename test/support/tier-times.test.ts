import { describe, expect, it } from 'vitest';
import { closingLine } from './tier-times.ts';

// The plain closing line a CI that does not know vitest reads: "N passed, N failed", optionally
// ", N skipped", optionally one word with a colon before it, alone on its line.
const PLAIN = /^(\w+: )?\d+ passed, \d+ failed(, \d+ skipped)?$/;

describe('closingLine', () => {
  it('counts each state; skipped and never finished tests (a bailed run) as skipped', () => {
    const line = closingLine({
      states: ['passed', 'passed', 'failed', 'skipped', 'pending', 'passed'],
      otherFailures: 0,
      reason: 'failed',
    });
    expect(line).toBe('tests: 3 passed, 1 failed, 2 skipped');
    expect(line).toMatch(PLAIN);
  });

  it('says a run of no test ran none, and leaves out a skipped count of zero', () => {
    expect(closingLine({ states: [], otherFailures: 0, reason: 'passed' })).toBe(
      'tests: 0 passed, 0 failed',
    );
    expect(closingLine({ states: ['passed'], otherFailures: 0, reason: 'passed' })).toMatch(PLAIN);
  });

  it('counts a failure outside any test (a file that did not load, an unhandled error) as failed', () => {
    expect(closingLine({ states: ['passed', 'passed'], otherFailures: 2, reason: 'failed' })).toBe(
      'tests: 2 passed, 2 failed',
    );
  });

  it('gives an interrupted run no closing count a CI would take for the whole run', () => {
    const line = closingLine({ states: ['passed'], otherFailures: 0, reason: 'interrupted' });
    expect(line).toBe('tests interrupted after 1 passed, 0 failed');
    expect(line).not.toMatch(PLAIN);
  });
});
