import { describe, expect, it } from 'vitest';
import { formatReport, runConservation } from '../../scripts/chaos/conservation-run.ts';

// `npm run chaos` in small: a few hundred events with every fault kind at once — AWS errors,
// crashes before idempotency completes, hangs past the function timeout, flaky and slow webhooks,
// a webhook outage longer than the notifier's schedule, duplicates and poison — then the DLQs
// redriven. Nothing may be lost and nothing applied twice.
describe('conservation under faults (chaos tier)', () => {
  it('loses no event and applies none twice', async () => {
    const report = await runConservation({
      events: 150,
      duplicates: 0.1,
      poison: 0.03,
      faults: 0.2,
      crashRate: 0.05,
      hangRate: 0.005,
      outageSeconds: 20,
      log: (line) => console.log(`[chaos] ${line}`),
    });
    console.log(formatReport(report));

    // Every kind of fault happened, so the run proves something.
    for (const kind of ['reset', 'http500', 'http503', 'throttle', 'crash', 'hang'])
      expect(report.faultsInjected[kind], kind).toBeGreaterThan(0);
    expect(report.webhookFaultsInjected.outage).toBeGreaterThan(0);
    expect(report.duplicatesSent).toBeGreaterThan(0);
    expect(report.poisonSent).toBeGreaterThanOrEqual(4); // one of each kind
    expect(report.redriven).toBeGreaterThan(0); // the outage exhausted some webhooks

    expect(report.lostDetails).toEqual([]);
    expect(report.duplicateDetails).toEqual([]);
    expect(report.completed).toBe(report.calculations);
  });
});
