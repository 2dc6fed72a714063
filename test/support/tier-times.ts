import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason, TestState } from 'vitest/node';

/** What a run's closing line counts. */
export interface RunCount {
  /** Each test's state: `skipped` (todo too), or `pending` (never finished: a run that bailed). */
  states: Iterable<TestState>;
  /** Failures outside any test: a test file that failed to load, an unhandled error. */
  otherFailures: number;
  reason: TestRunEndReason;
}

/**
 * The run's closing line, `tests: N passed, N failed[, N skipped]`: the plain form CI systems
 * that do not know vitest read a count from (vitest's own summary carries colour codes and
 * splits the figures over two lines). A run of no test says so (`tests: 0 passed, 0 failed`); a
 * failure outside any test counts as failed; an interrupted run says that instead of a count.
 */
export function closingLine({ states, otherFailures, reason }: RunCount): string {
  const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
  for (const state of states) count[state]++;
  const failed = count.failed + otherFailures;
  const skipped = count.skipped + count.pending;
  const figures = `${count.passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  return reason === 'interrupted' ? `tests interrupted after ${figures}` : `tests: ${figures}`;
}

/**
 * A vitest reporter that prints, after a run, where the time went per tier (vitest project): the
 * wall-clock span from its first file starting to its last file ending, and its files' summed
 * durations (tiers run side by side, so spans overlap; the sum says what each tier costs).
 */
export default class TierTimes implements Reporter {
  private readonly started = new Map<string, number>();
  private readonly tiers = new Map<
    string,
    { first: number; last: number; files: number; sum: number }
  >();
  private readonly runStarted = Date.now();

  onTestModuleStart(module: TestModule) {
    this.started.set(module.moduleId, Date.now());
  }

  onTestModuleEnd(module: TestModule) {
    const now = Date.now();
    const start = this.started.get(module.moduleId) ?? now;
    const tier = this.tiers.get(module.project.name) ?? {
      first: start,
      last: now,
      files: 0,
      sum: 0,
    };
    tier.first = Math.min(tier.first, start);
    tier.last = Math.max(tier.last, now);
    tier.files++;
    tier.sum += module.diagnostic().duration;
    this.tiers.set(module.project.name, tier);
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ) {
    this.printTiers();
    const tests = testModules.map((m) => [...m.children.allTests()].map((t) => t.result().state));
    // A file that failed with no failed test of its own: it did not load, or a hook threw.
    const failedFiles = testModules.filter(
      (m, i) => !m.ok() && !tests[i]?.includes('failed'),
    ).length;
    console.log(
      closingLine({
        states: tests.flat(),
        otherFailures: failedFiles + unhandledErrors.length,
        reason,
      }),
    );
  }

  private printTiers() {
    if (this.tiers.size === 0) return;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const lines = [...this.tiers].map(
      ([name, t]) =>
        `  ${name.padEnd(12)} ${s(t.last - t.first).padStart(8)} wall  ${s(t.sum).padStart(8)} in ${t.files} files`,
    );
    console.log(
      `\nWhere the time went (total ${s(Date.now() - this.runStarted)}, setup included):\n${lines.join('\n')}`,
    );
  }
}
