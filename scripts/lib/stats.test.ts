import { describe, expect, it } from 'vitest';
import { median, percentile } from './stats.ts';

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
