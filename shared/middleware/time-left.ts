import type { MiddlewareObj } from '@middy/core';

export interface TimeLeftOptions {
  /** The longest one record may take (SECONDS_PER_RECORD, the entry's secondsPerRecord). */
  secondsPerRecord?: number;
}

/** Transient: the record was not tried, its invocation had no time left for it. */
export class NoTimeLeftError extends Error {
  override name = 'NoTimeLeftError';
}

/**
 * Middy middleware (before only), for records handled one after another: a record starts only
 * when the invocation has the time one record may take, so the timeout never kills it
 * mid-effect. Its batch is sized to fit (scripts/serverless/consumer-resources.ts, batchSizeFor),
 * so this only fires when an invocation runs short of it (a slow cold start).
 */
export const timeLeft = ({ secondsPerRecord }: TimeLeftOptions): MiddlewareObj => ({
  before: (request) => {
    if (!secondsPerRecord) return;
    const remaining = request.context.getRemainingTimeInMillis();
    if (remaining < secondsPerRecord * 1000)
      throw new NoTimeLeftError(
        `Not tried: ${Math.max(0, remaining)} ms left in this invocation, a record may take ${secondsPerRecord} s`,
      );
  },
});
