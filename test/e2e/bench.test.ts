import { describe, expect, it } from 'vitest';
import { measureEndToEnd } from '../../scripts/bench/example/end-to-end.ts';

// The end-to-end part of `npm run bench`, small, so it cannot rot: its own stage deployed with a
// counting proxy in front of AWS, calculations until notified, and the raw bus rate beside them.
describe('npm run bench, end to end (small)', () => {
  it('counts the AWS calls of a calculation and measures it against the raw bus', async () => {
    const e2e = await measureEndToEnd({ calculations: 5, concurrency: 2, log: () => {} });
    expect(e2e.perSecond).toBeGreaterThan(0);
    expect(e2e.rawBusPerSecond).toBeGreaterThan(0);
    expect(e2e.latencyMs.p99).toBeGreaterThanOrEqual(e2e.latencyMs.p50);
    // The HTTP API's idempotency record and its event, the storage write, the notifier's delivery record.
    expect(e2e.awsCallsPerCalculation['dynamodb:PutItem']).toBeGreaterThanOrEqual(2);
    expect(e2e.awsCallsPerCalculation['sns:Publish']).toBeGreaterThanOrEqual(3);
    expect(e2e.awsCallsPerCalculationTotal).toBeGreaterThan(0);
  });
});
