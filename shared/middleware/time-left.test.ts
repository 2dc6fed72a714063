import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { NoTimeLeftError, timeLeft } from './time-left.ts';

const run = (remainingMs: number, secondsPerRecord?: number) =>
  middy(() => 'tried').use(timeLeft({ secondsPerRecord }))(
    {} as never,
    {
      getRemainingTimeInMillis: () => remainingMs,
    } as never,
  );

describe('timeLeft', () => {
  it('starts a record with the time one may take left, and any record without a declared time', async () => {
    expect(await run(2_000, 2)).toBe('tried');
    expect(await run(1, undefined)).toBe('tried');
  });

  it('does not start one with less, as a transient failure naming the times', async () => {
    const error = await run(1_999, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoTimeLeftError);
    expect((error as Error).message).toBe(
      'Not tried: 1999 ms left in this invocation, a record may take 2 s',
    );
  });
});
