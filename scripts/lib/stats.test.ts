import { describe, expect, it } from 'vitest';
import { median, pairedRatio, percentile } from './stats.ts';

describe('percentile (nearest rank)', () => {
  it.each([
    { sorted: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 50, expected: 5 },
    { sorted: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 90, expected: 9 },
    { sorted: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 99, expected: 10 },
    { sorted: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 0, expected: 1 },
    { sorted: [7], p: 99, expected: 7 },
    { sorted: [], p: 50, expected: 0 },
  ])('p$p of $sorted is $expected', ({ sorted, p, expected }) => {
    expect(percentile(sorted, p)).toBe(expected);
  });
});

describe('median', () => {
  it.each([
    { xs: [3, 1, 2], expected: 2 },
    { xs: [4, 1, 3, 2], expected: 3 },
    { xs: [], expected: 0 },
  ])('of $xs is $expected', ({ xs, expected }) => {
    expect(median(xs)).toBe(expected);
  });
});

describe('pairedRatio', () => {
  it("is the median of each round over its own baseline: a loaded round's times never meet another round's", () => {
    // Round 2 ran on a loaded machine, both sides three times as slow: each round says 1.1 or 1.2.
    expect(pairedRatio([11, 33, 12], [10, 30, 10])).toBeCloseTo(1.1);
    // The medians' ratio mixes rounds: round 3's stack (12) over round 1's bare handler (10).
    expect(median([11, 33, 12]) / median([10, 30, 10])).toBeCloseTo(1.2);
  });
});
