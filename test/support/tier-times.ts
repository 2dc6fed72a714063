import type { Reporter, TestModule } from 'vitest/node';

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

  onTestRunEnd() {
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
