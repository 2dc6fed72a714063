/** Thrown by a check when waiting longer cannot help: `eventually` fails with it at once. */
export class WaitingCannotHelp extends Error {
  override name = 'WaitingCannotHelp';
}

/**
 * Call `check` until it returns something other than undefined, or fail at the deadline with
 * what was last seen (at once when the check throws WaitingCannotHelp). Tests poll for outcomes
 * instead of sleeping.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  { deadlineMs = 30_000, intervalMs = 250, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof WaitingCannotHelp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * For checks of absence ("no second delivery"): keep checking for `windowMs` and fail as soon as
 * `holds` turns false. A bounded observation window, not a blind sleep.
 */
export async function holdsFor(
  holds: () => boolean,
  windowMs: number,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + windowMs;
  while (Date.now() < until) {
    if (!holds()) throw new Error(`${what} stopped holding`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
