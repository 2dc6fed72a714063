import { describe, expect, it } from 'vitest';
import { batchSizeFor } from './consumer-resources.ts';

describe('batchSizeFor: a batch handled one record after another fits in the timeout', () => {
  it.each([
    [40, 4, 8], // the notifier's default: 32 s for records of 4 s
    [7, 0.7, 8], // the chaos stage keeps that shape
    [40, 1, 10], // SQS's most for a standard queue
    [10, 7, 1],
    [10, undefined, 10], // concurrent records: the batch is one record's time
  ])('timeout %s s, %s s a record → %s records', (timeout, perRecord, size) => {
    expect(batchSizeFor(timeout, perRecord)).toBe(size);
    if (perRecord) expect(size * perRecord).toBeLessThanOrEqual(timeout * 0.8);
  });

  it('refuses a record that cannot fit at all, saying what to change', () => {
    expect(() => batchSizeFor(5, 6)).toThrow(
      'A record may take 6 s but the function has 5 s (80% of it for a batch): raise its timeout (function.timeout) or lower secondsPerRecord',
    );
  });
});
