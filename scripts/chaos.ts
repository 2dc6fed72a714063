#!/usr/bin/env tsx
// `npm run chaos -- [--events 10000] [--duplicates 0.1] [--poison 0.01] [--faults 0.2]
//   [--crash-rate 0.02] [--hang-rate 0.001] [--outage-seconds 30] [--concurrency 16]`:
// the conservation run (scripts/chaos/conservation-run.ts) against its own emulator stage,
// `chaos`. Prints the conservation table and, last, one summary line; exits 1 when anything was
// lost or applied twice. Everything it sends goes to 127.0.0.1.
import { parseArgs } from 'node:util';
import { defaultChaosOptions, formatReport, runConservation } from './chaos/conservation-run.ts';
import { startEmulator } from './emulator/emulator.ts';
import { applyLocalAwsEnv } from './emulator/local-env.ts';

const flags = {
  events: 'events',
  duplicates: 'duplicates',
  poison: 'poison',
  faults: 'faults',
  'crash-rate': 'crashRate',
  'hang-rate': 'hangRate',
  'outage-seconds': 'outageSeconds',
  concurrency: 'concurrency',
} as const;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: Object.fromEntries(Object.keys(flags).map((f) => [f, { type: 'string' as const }])),
  });
  const options: Record<string, number> = {};
  for (const [flag, key] of Object.entries(flags)) {
    const text = values[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) {
      console.error(`--${flag} must be a number ≥ 0, not "${text}"`);
      return 2;
    }
    options[key] = value;
  }
  applyLocalAwsEnv();
  await startEmulator((line) => console.log(line));
  const report = await runConservation({
    ...defaultChaosOptions,
    ...options,
    log: (line) => console.log(`[chaos] ${line}`),
  });
  console.log(formatReport(report));
  return report.lost === 0 && report.duplicateEffects === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
