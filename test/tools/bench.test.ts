import { describe, expect, it } from 'vitest';
import type { EndToEnd } from '../../scripts/bench/example/end-to-end.ts';
import { scenario } from '../../scripts/bench/example/scenario.ts';
import type { BenchReport } from '../../scripts/bench/run-bench.ts';
import { functionEntries } from '../../scripts/serverless/bundles.ts';

// The example's end-to-end part of `npm run bench`, small, so it cannot rot: its own stage
// deployed with a counting proxy in front of AWS, and beside it stage `bare` (the same stack,
// bare handlers) driven with the same load, calculations until notified, the raw bus rate, where
// each stage's time goes per function, and the dollars per calculation they make.
describe('npm run bench, end to end (small)', () => {
  it('counts the AWS calls of a calculation and measures it against the raw bus and the bare topology', async () => {
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
    const e2e = run.figures.endToEnd as EndToEnd;
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

    // The floor: the same topology with bare handlers, the same load, the same kinds of AWS calls.
    const { bare } = e2e;
    expect(bare.stage).not.toBe(e2e.stage);
    expect(bare.perSecond).toBeGreaterThan(0);
    expect(bare.latencyMs.p99).toBeGreaterThanOrEqual(bare.latencyMs.p50);
    expect(bare.awsCallsPerCalculation['dynamodb:PutItem']).toBeGreaterThanOrEqual(2);
    expect(bare.awsCallsPerCalculation['sns:Publish']).toBeGreaterThanOrEqual(3);
    expect(run.figures.e2eVsBareTopology).toBe(e2e.perSecond / bare.perSecond);
    const latency = run.figures.e2eLatencyVsBare as { p50: number; p99: number };
    expect(latency.p50).toBeGreaterThan(0);
    expect(latency.p99).toBeGreaterThan(0);
    // Where the time goes, per function and stage: every function of serverless.yml, the HTTP one
    // invoked once per calculation at least.
    for (const stage of [e2e, bare]) {
      expect(Object.keys(stage.functions).sort()).toEqual(
        functionEntries(process.cwd())
          .map((f) => f.name)
          .sort(),
      );
      expect(stage.functions.storageApi?.invocations).toBeGreaterThanOrEqual(options.calculations);
      expect(stage.functions.storageApi?.msPerCalculation).toBeGreaterThan(0);
    }
    expect(run.rows.map(([figure]) => figure)).toContain(
      '  the same topology, bare handlers (stage bare)',
    );
  }, 300_000);
});
