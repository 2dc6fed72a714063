import { describe, expect, it } from 'vitest';
import { restateClosingBanner } from './closing-line.ts';

const banner = (words: string) => `${'='.repeat(29)} ${words} ${'='.repeat(29)}`;

describe('restateClosingBanner', () => {
  it.each([
    ['2 warnings in 12.82s', '2 warnings (12.82 s)'],
    ['No issues found in 9.1s', 'No issues found (9.1 s)'],
    ['1 failure in 3.5s', '1 failure (3.5 s)'],
    ['Interrupted after 3.20s', 'Interrupted after 3.20 s'],
    ['2 failures, interrupted after 4.00s', '2 failures, interrupted after 4.00 s'],
    ['Empty test suite', 'Empty test suite'],
  ])("restates Schemathesis' closing banner %j in its own words", (words, restated) => {
    expect(restateClosingBanner(banner(words))).toBe(`[fuzz:api] Schemathesis: ${restated}`);
  });

  it('leaves every other line as it is, section headers among them', () => {
    for (const line of [banner('SUMMARY'), banner('WARNINGS'), '  456 generated, 456 passed', ''])
      expect(restateClosingBanner(line)).toBe(line);
  });
});
