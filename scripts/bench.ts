#!/usr/bin/env tsx
// `npm run bench -- [--json] [--no-e2e] [--latency-ms 5] [--rounds 30] [--cold-runs 15]
//   [--calculations 500] [--concurrency 16]`: what each layer costs, measured side by side in one
// run (scripts/bench/run-bench.ts). Ratios are what count on a shared machine. The end-to-end
// part deploys its own emulator stage, `bench`; everything it sends goes to 127.0.0.1.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBench, runBench } from './bench/run-bench.ts';
import { startEmulator } from './emulator/emulator.ts';
import { applyLocalAwsEnv } from './emulator/local-env.ts';

const numbers = {
  'latency-ms': 'latencyMs',
  rounds: 'rounds',
  'cold-runs': 'coldImportRuns',
  calculations: 'calculations',
  concurrency: 'concurrency',
} as const;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'no-e2e': { type: 'boolean', default: false },
      ...Object.fromEntries(Object.keys(numbers).map((f) => [f, { type: 'string' as const }])),
    },
  });
  const options = {
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
    latencyMs: 5,
    rounds: 30,
    coldImportRuns: 15,
    calculations: 500,
    concurrency: 16,
    endToEnd: !values['no-e2e'],
    log: (line: string) => console.error(`[bench] ${line}`),
  };
  for (const [flag, key] of Object.entries(numbers)) {
    const text = (values as Record<string, unknown>)[flag] as string | undefined;
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      console.error(`--${flag} must be a whole number ≥ 1, not "${text}"`);
      return 2;
    }
    options[key] = value;
  }
  if (options.endToEnd) {
    applyLocalAwsEnv();
    await startEmulator((line) => options.log(line));
  }
  const report = await runBench(options);
  console.log(values.json ? JSON.stringify(report) : formatBench(report));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
