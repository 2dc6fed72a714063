#!/usr/bin/env tsx
// `npm run bench`: what each layer costs, measured side by side in one run
// (scripts/bench/run-bench.ts): per function, whatever the fork deploys; end to end when the
// example scenario is present (scripts/bench/example/). Ratios are what count on a shared
// machine. The end-to-end part deploys its own emulator stages, `bench` and its floor `bare` (the
// same stack with bare handlers); everything it sends goes to 127.0.0.1.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain, wholeNumber } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run bench -- [--json] [--no-e2e] [--latency-ms n] [--rounds n] [--cold-runs n]
                         [--calculations n] [--concurrency n]
  per function (every function serverless.yml deploys):
    cold import of its prod bundle vs a bare bundle of the same AWS clients
    each consumer's handler on a 10-record batch of its consumed types, and each HTTP function's
    on one request, vs a bare handler making the same AWS calls (AWS stubbed in process)
    cold start: init + that first invocation in a fresh process vs the bare handler bundled
    the same cold start and bundle with Powertools Tracer (param tracing: Active) vs without
  end to end (the example scenario, scripts/bench/example/, when present; needs the emulator):
    calculations through the deployed stage \`bench\` and, in alternating rounds, through
    stage \`bare\` (the same stack with bare handlers); AWS calls and USD per calculation
  --json            print the report as JSON instead of a table
  --no-e2e          skip the end-to-end part (no emulator needed)
  --latency-ms n    latency of every stubbed AWS call (default 5)
  --rounds n        timed rounds per handler comparison (default 30)
  --cold-runs n     fresh node processes per bundle and per cold start (default 30)
  --calculations n  end to end: calculations sent to each stage (default 500)
  --concurrency n   end to end: requests in flight (default 16)
  --help            this text`,
  options: {
    json: { type: 'boolean', default: false },
    'no-e2e': { type: 'boolean', default: false },
    'latency-ms': { type: 'string' },
    rounds: { type: 'string' },
    'cold-runs': { type: 'string' },
    calculations: { type: 'string' },
    concurrency: { type: 'string' },
  },
} as const;

async function main(): Promise<number> {
  const { values } = parseCli(cli);
  const options = {
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
    latencyMs: wholeNumber('latency-ms', values['latency-ms']) ?? 5,
    rounds: wholeNumber('rounds', values.rounds) ?? 30,
    coldImportRuns: wholeNumber('cold-runs', values['cold-runs']) ?? 30,
    calculations: wholeNumber('calculations', values.calculations) ?? 500,
    concurrency: wholeNumber('concurrency', values.concurrency) ?? 16,
    endToEnd: !values['no-e2e'],
    log: (line: string) => console.error(`[bench] ${line}`),
  };
  // Imported here, after the arguments: --help and a bad flag cost nothing.
  const { formatBench, loadScenario, runBench } = await import('./bench/run-bench.ts');
  if (options.endToEnd && (await loadScenario(options.root))?.endToEnd) {
    const { applyLocalAwsEnv } = await import('./emulator/local-env.ts');
    const { startEmulator } = await import('./emulator/emulator.ts');
    applyLocalAwsEnv();
    await startEmulator((line) => options.log(line));
  }
  const report = await runBench(options);
  console.log(values.json ? JSON.stringify(report) : formatBench(report));
  return 0;
}

runMain(cli, main);
