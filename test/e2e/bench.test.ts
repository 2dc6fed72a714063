import { describe, expect, it } from 'vitest';
import { scenario } from '../../scripts/bench/example/scenario.ts';
import type { BenchReport } from '../../scripts/bench/run-bench.ts';

// The example's end-to-end part of `npm run bench`, small, so it cannot rot: its own stage
// deployed with a counting proxy in front of AWS, calculations until notified, the raw bus rate
// beside them, and the dollars per calculation they make.
describe('npm run bench, end to end (small)', () => {
  it('counts the AWS calls of a calculation and measures it against the raw bus', async () => {
    const perFunction = { consumers: {}, http: {}, assumptions: [] } as unknown as BenchReport;
    const options = {
      root: process.cwd(),
      latencyMs: 1,
      rounds: 1,
      coldImportRuns: 1,
      calculations: 5,
      concurrency: 2,
      endToEnd: true,
      log: () => {},
    };
    if (!scenario.endToEnd) throw new Error('The example scenario has no end-to-end part');
    const run = await scenario.endToEnd(options, perFunction, []);
    const e2e = run.figures.endToEnd as {
      perSecond: number;
      rawBusPerSecond: number;
      latencyMs: { p50: number; p99: number };
      awsCallsPerCalculation: Record<string, number>;
      awsCallsPerCalculationTotal: number;
    };
    expect(e2e.perSecond).toBeGreaterThan(0);
    expect(e2e.rawBusPerSecond).toBeGreaterThan(0);
    expect(e2e.latencyMs.p99).toBeGreaterThanOrEqual(e2e.latencyMs.p50);
    // The HTTP API's idempotency record and its event, the storage write, the notifier's delivery record.
    expect(e2e.awsCallsPerCalculation['dynamodb:PutItem']).toBeGreaterThanOrEqual(2);
    expect(e2e.awsCallsPerCalculation['sns:Publish']).toBeGreaterThanOrEqual(3);
    expect(e2e.awsCallsPerCalculationTotal).toBeGreaterThan(0);
    expect(run.figures.e2eVsRawBus).toBeGreaterThan(0);
    expect((run.figures.usdPerMillionCalculations as { total: number }).total).toBeGreaterThan(0);
    expect(run.rows.map(([figure]) => figure)).toContain('USD per 1M calculations');
  });
});
