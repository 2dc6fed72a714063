import type { Reporter, TestModule, TestState } from 'vitest/node';

/**
 * The run's closing line, `tests: N passed, N failed[, N skipped]`: the plain form CI systems
 * that do not know vitest read a count from (vitest's own summary carries colour codes and
 * splits the figures over two lines). A run of no test says so: `tests: 0 passed, 0 failed`.
 */
export function closingLine(states: Iterable<TestState>): string {
  const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
  for (const state of states) count[state]++;
  const skipped = count.skipped + count.pending;
  return `tests: ${count.passed} passed, ${count.failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
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

  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    this.printTiers();
    const states = testModules.flatMap((m) =>
      [...m.children.allTests()].map((t) => t.result().state),
    );
    console.log(closingLine(states));
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
