import { describe, expect, it } from 'vitest';
import { restateClosingBanner } from './closing-line.ts';

describe('restateClosingBanner', () => {
  it("restates Schemathesis' closing banner in its own words", () => {
    expect(restateClosingBanner(`${'='.repeat(29)} 2 warnings in 12.82s ${'='.repeat(29)}`)).toBe(
      '[fuzz:api] Schemathesis: 2 warnings (12.82 s)',
    );
    expect(restateClosingBanner('===== No issues found in 9.1s =====')).toBe(
      '[fuzz:api] Schemathesis: No issues found (9.1 s)',
    );
  });

  it('leaves every other line as it is, the summary header among them', () => {
    for (const line of [
      '=================== SUMMARY ===================',
      '  456 generated, 456 passed',
      '',
    ])
      expect(restateClosingBanner(line)).toBe(line);
  });
});
