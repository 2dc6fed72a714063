#!/usr/bin/env tsx
// `npm run fuzz:api -- [--stage s] [--max-examples n] [--seed n]`: Schemathesis, an independent
// property-based API fuzzer, against a deployed stage with openapi.yaml — every phase (the
// document's examples, coverage of its edge values, random fuzzing, stateful sequences that follow
// the links of a created resource) and its checks: no 5xx, every answer as the document says
// (status, content type, headers, body), what the schema allows accepted and what it refuses
// refused, a created resource readable at once. On the emulator (the default, stage `local`) it
// starts the emulator if needed and deploys the stage first.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { restateClosingBanner } from './api-fuzz/closing-line.ts';
import { parseCli, runMain, UsageError, wholeNumber } from './lib/cli.ts';
import { ensurePythonPackages } from './lib/python-venv.ts';
import { pinsOf } from './lib/tool-pins.ts';

const SCHEMATHESIS = pinsOf('schemathesis.txt')[0] ?? 'schemathesis';

const cli = {
  usage: `usage: npm run fuzz:api -- [--stage s] [--max-examples n] [--seed n]
Runs Schemathesis ${SCHEMATHESIS.split('==')[1]} (installed into .tools/schemathesis on first use; Python 3.10+)
against a deployed stage's HTTP API with openapi.yaml: every phase, every check.
  --stage s          the deployed stage (default local: deployed into the emulator first)
  --max-examples n   test cases per operation and phase (default 50)
  --seed n           reproduce a run (each run prints its seed)
  --yes              fuzz a stage that is not local (hundreds of real requests, real effects)
  --help             this text`,
  options: {
    stage: { type: 'string', default: 'local' },
    'max-examples': { type: 'string' },
    seed: { type: 'string' },
    yes: { type: 'boolean', default: false },
  },
} as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values } = parseCli(cli);
  const maxExamples = wholeNumber('max-examples', values['max-examples'], 1) ?? 50;
  const seed = wholeNumber('seed', values.seed, 0) ?? Date.now() % 2 ** 31;
  if (values.stage !== 'local' && !values.yes)
    throw new UsageError(
      `Fuzzing stage ${values.stage} sends it hundreds of real requests with real effects (events, webhooks); add --yes.`,
    );
  const bin = ensurePythonPackages(path.join(root, '.tools', 'schemathesis'), [SCHEMATHESIS], (l) =>
    console.log(l),
  );
  const { deployLocalStack, stackOutputs } = await import('./local/stack.ts');
  const { startEmulator, stopEmulator } = await import('./emulator/emulator.ts');
  // An emulator this run starts, it stops again: the steps after it (CI's tiers) each start
  // their own from nothing, not one holding this run's stage and Lambda workers.
  const emulator = values.stage === 'local' ? await startEmulator(console.log) : undefined;
  try {
    return await fuzz(
      values.stage === 'local'
        ? await deployLocalStack({ quiet: true })
        : await stackOutputs(values.stage),
      values.stage,
      bin,
      { maxExamples, seed },
    );
  } finally {
    if (emulator?.startedNow) console.log(await stopEmulator());
  }
}

/** Schemathesis with openapi.yaml against the stage's API: its exit status. */
async function fuzz(
  stack: { apiUrl?: string },
  stage: string,
  bin: string,
  { maxExamples, seed }: { maxExamples: number; seed: number },
): Promise<number> {
  if (!stack.apiUrl) {
    console.log(`stage ${stage} has no HTTP API: nothing to fuzz`);
    return 0;
  }
  console.log(`[fuzz:api] Schemathesis against ${stack.apiUrl} (stage ${stage}), seed ${seed}`);
  const st = spawn(
    path.join(bin, 'st'),
    [
      '--config-file',
      path.join(root, 'scripts', 'api-fuzz', 'schemathesis.toml'),
      'run',
      path.join(root, 'openapi.yaml'),
      '--url',
      stack.apiUrl,
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--checks',
      'all',
      // API Gateway HTTP APIs answer 404 for a method no route declares, on AWS as on the
      // emulator: the gateway's behaviour, not the functions' (docs/http-api.md#in-serverlessyml).
      '--exclude-checks',
      'unsupported_method',
      '--max-examples',
      String(maxExamples),
      '--seed',
      String(seed),
      '--no-color',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: root },
  );
  // Its exit status (1 when it could not start, or died of a signal) …
  const exited = new Promise<number>((resolve) => {
    st.once('error', (error) => {
      console.error(`[fuzz:api] Schemathesis did not start: ${error.message}`);
      resolve(1);
    });
    st.once('close', (code) => resolve(code ?? 1));
  });
  // … and its output as it comes, the closing banner restated (api-fuzz/closing-line.ts).
  for await (const line of createInterface({ input: st.stdout }))
    console.log(restateClosingBanner(line));
  return await exited;
}

runMain(cli, main);
