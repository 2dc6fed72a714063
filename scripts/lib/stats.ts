// The summary figures the measuring scripts print (bench, dev loop, chaos): one definition each.

/** Nearest-rank percentile (`p` from 0 to 100) of an ascending list; 0 when it is empty. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/** The middle value (the upper of the two middle ones for an even count); 0 for none. */
export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * Paired ratio: each round's time over its baseline's time in the same round (they ran back to
 * back), then the median of those — drift of a shared machine between rounds cancels.
 */
export const pairedRatio = (a: readonly number[], b: readonly number[]): number =>
  median(a.map((ms, i) => ms / (b[i] ?? ms)));
