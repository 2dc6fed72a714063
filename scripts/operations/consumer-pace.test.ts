import { describe, expect, it } from 'vitest';
import { paceOf } from './consumer-pace.ts';

describe('paceOf: what a consumer takes even when every record is slow', () => {
  it.each([
    [5, 8, 40, 1], // the notifier on AWS: 5 invocations × 8 records / 40 s
    [50, 8, 40, 10], // on an emulator stage
    [10, 10, 10, 10], // an uncapped consumer, 10 s timeout
    [1, 1, 900, 1], // never below one a second
  ])('%s invocations × %s records / %s s → %s a second', (c, b, t, pace) => {
    expect(paceOf(c, b, t)).toBe(pace);
  });
});
