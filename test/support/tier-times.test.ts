import { describe, expect, it } from 'vitest';
import { closingLine } from './tier-times.ts';

// The plain closing line a CI that does not know vitest reads: "N passed, N failed", optionally
// ", N skipped", optionally one word with a colon before it, alone on its line.
const PLAIN = /^(\w+: )?\d+ passed, \d+ failed(, \d+ skipped)?$/;

describe('closingLine', () => {
  it('counts each state, skipped and todo tests together', () => {
    const line = closingLine(['passed', 'passed', 'failed', 'skipped', 'pending', 'passed']);
    expect(line).toBe('tests: 3 passed, 1 failed, 2 skipped');
    expect(line).toMatch(PLAIN);
  });

  it('says a run of no test ran none, and leaves out a skipped count of zero', () => {
    expect(closingLine([])).toBe('tests: 0 passed, 0 failed');
    expect(closingLine(['passed'])).toMatch(PLAIN);
  });
});
