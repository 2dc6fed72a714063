import { describe, expect, it } from 'vitest';
import { runChaos } from '../../scripts/chaos/engine.ts';
import { formatReport } from '../../scripts/chaos/report.ts';
import { consumersUnderTest } from '../../scripts/chaos/subjects.ts';

// `npm run chaos` in small, for whatever topology this checkout has: events of every consumed
// type with every fault kind at once — AWS errors, crashes before idempotency completes and after
// side effects, hangs past the function timeout, DynamoDB and SNS down for longer than the retry
// schedule, duplicates and poison (plus whatever the
// scenarios in scripts/chaos/scenarios/ add) — then the DLQs redriven. Nothing may be lost and
// nothing applied twice.
describe('conservation under faults (chaos tier)', () => {
  it('loses no event and applies none twice', async () => {
    const report = await runChaos({
      events: 120,
      duplicates: 0.1,
      poison: 0.03,
      faults: 0.2,
      crashRate: 0.005,
      hangRate: 0.002,
      outageSeconds: 15, // longer than the chaos stage's shortRetry (5 receives, ~10 s)
      concurrency: 8,
      log: (line) => console.log(`[chaos] ${line}`),
    });
    console.log(formatReport(report));
    const consumers = consumersUnderTest().filter((c) => c.consumes.length);
    if (!consumers.length) {
      // A fork that removed the examples and has no consumer yet: nothing is sent, nothing lost.
      expect(report.events).toBe(0);
      expect(report.lost).toBe(0);
      return;
    }

    // Every kind of fault happened (the proxy injects each at least once), so the run proves something.
    for (const kind of ['reset', 'http500', 'http503', 'throttle', 'crash', 'hang', 'outage'])
      expect(report.faultsInjected[kind], kind).toBeGreaterThan(0);
    expect(report.duplicatesSent).toBeGreaterThan(0);
    expect(report.poisonSent).toBeGreaterThanOrEqual(4); // one of each kind
    expect(report.redriven).toBeGreaterThan(0); // the outage exhausted some retries

    expect(report.lostDetails).toEqual([]);
    expect(report.iamDenied).toEqual([]); // every call under faults, retries and redrives allowed
    expect(Object.keys(report.iamChecked).length).toBeGreaterThan(0);
    expect(report.duplicateDetails).toEqual([]);
    expect(report.stuck).toEqual([]);
    // Every consumer saw events of each type it consumes.
    for (const consumer of consumers)
      expect(
        report.perConsumer.find((c) => c.name === consumer.name)?.events,
        consumer.name,
      ).toBeGreaterThan(0);
    for (const { name, verdict } of report.scenarios)
      expect(verdict.completed, `${name}: every input ended as it should`).toBe(verdict.sent);
  });
});
