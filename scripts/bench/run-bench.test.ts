import { describe, expect, it } from 'vitest';
import { usdPerMillion } from './aws-costs.ts';
import { formatBench, runBench } from './run-bench.ts';

// `npm run bench` in a tiny mode, so the harness cannot rot: every in-process figure is produced
// and printed (the end-to-end part needs the emulator; test/e2e/bench.test.ts runs it small).
describe('npm run bench (tiny)', () => {
  it('measures cold imports and both handler stacks against their bare handlers', async () => {
    const report = await runBench({
      root: process.cwd(),
      latencyMs: 1,
      rounds: 2,
      coldImportRuns: 1,
      calculations: 1,
      concurrency: 1,
      endToEnd: false,
      log: () => {},
    });
    expect(report.coldImport.functions.map((f) => f.function)).toEqual(
      expect.arrayContaining([
        'CalculatorApi',
        'CalculatorWorker',
        'NotifierWorker',
        'StorageWorker',
      ]),
    );
    for (const f of report.coldImport.functions) {
      expect(f.ms).toBeGreaterThan(0);
      expect(f.vsBare).toBeGreaterThan(0);
      expect(f.bundleKb).toBeGreaterThan(f.bareKb);
    }
    // What a worker holds beyond its AWS clients: the contracts' zod, and no Idempotency library
    // in a consumer that keeps no records.
    const worker = report.coldImport.functions.find((f) => f.function === 'CalculatorWorker');
    const parts = worker?.aboveBare.map((p) => p.part) ?? [];
    expect(parts).toContain('zod');
    expect(parts).not.toContain('@aws-lambda-powertools/idempotency');
    const notifier = report.coldImport.functions.find((f) => f.function === 'NotifierWorker');
    expect(notifier?.aboveBare.map((p) => p.part)).toContain('@aws-lambda-powertools/idempotency');
    expect(report.coldImportVsBare).toBeGreaterThan(0);
    expect(report.stackVsBare).toBe(report.consumer.ratio);
    // The bare handlers make the calls the real ones made: the calculator publishes one event.
    expect(report.consumer.callsPerUnit['sns:Publish']).toBe(1);
    expect(report.http.callsPerUnit).toMatchObject({
      'dynamodb:PutItem': 1,
      'sns:Publish': 1,
      'dynamodb:UpdateItem': 1,
    });
    const table = formatBench(report);
    expect(table).toMatch(/cold import CalculatorWorker .*× empty node, .*× a bare bundle/);
    expect(table).toMatch(/its bundle, minified +\d+ KB +bare \d+ KB; beyond it: .*zod \d+ KB/);
    expect(table).toMatch(/consumer stack, 10-record batch .*× bare handler/);
  }, 180_000);

  it('prices calls from the AWS list prices it cites', () => {
    const usd = usdPerMillion({
      callsPerCalculation: { 'dynamodb:PutItem': 2, 'dynamodb:GetItem': 1, 'sns:Publish': 2 },
      queueMessagesPerCalculation: 4,
      invocationsPerCalculation: 5,
      msPerInvocation: 100,
      memoryMb: 1024,
      httpRequestsPerCalculation: 1,
    });
    expect(usd.dynamodb).toBeCloseTo(2 * 0.625 + 0.125);
    expect(usd.sns).toBeCloseTo(1.0);
    expect(usd.sqs).toBeCloseTo(8 * 0.4);
    expect(usd.lambdaRequests).toBeCloseTo(1.0);
    expect(usd.lambdaDuration).toBeCloseTo(5 * 0.1 * 0.0000133334 * 1e6);
    expect(usd.httpApi).toBeCloseTo(1.0);
    expect(usd.total).toBeCloseTo(
      usd.dynamodb + usd.sns + usd.sqs + usd.lambdaRequests + usd.lambdaDuration + usd.httpApi,
    );
  });
});
