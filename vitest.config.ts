import { defineConfig } from 'vitest/config';
import { localAwsEnv } from './scripts/emulator/local-env.ts';

// Tiers: `unit` (no network, no child process: seconds), `tooling` (the template's own tools run
// in child processes, no network), `integration` (the emulator's SNS/SQS/DynamoDB), `e2e` (the
// stack deployed into the emulator, driven over HTTP) — these four are `npm test` — `tools` (the
// dev loop's, the bench's and the deploy role's own proofs: `npm run test:tools`) and `chaos` (a
// small conservation run under injected faults, on its own stage: `npm run test:chaos`). One
// global setup starts the emulator and deploys the stack once per run
// (test/support/global-setup.ts); the tier-times reporter prints where the time went per tier.

/** Tests beside the code that run tools in child processes (serverless package, esbuild, the
 * generators in copies of the tree, every script's --help): seconds each, so not `unit`. */
const TOOLING_TESTS = [
  'serverless.test.ts',
  'scripts/bench/run-bench.test.ts',
  'scripts/lib/cli.test.ts',
  'scripts/contracts-check.test.ts',
  'scripts/dev/bundles.test.ts',
  'scripts/new-event.test.ts',
  'scripts/new-service.test.ts',
  'scripts/remove-examples.test.ts',
  'scripts/serverless/bundles.test.ts',
  'scripts/serverless/esbuild-plugins.test.ts',
  'scripts/serverless/tree-shaking.test.ts',
  'scripts/stopped-emulator.test.ts',
  'scripts/template/update.test.ts',
];
/**
 * `npm run deploy:stage -- <stage> --aws --test`: the e2e files that need nothing but the stage
 * itself (its HTTP API, its stack's outputs). The others need this machine reachable from the
 * stage (the local webhook receiver), deploy stages of their own, or read the emulator's
 * queues and functions with rights a CI deploy role does not hold: emulator only.
 */
const STAGE_ONLY_E2E = ['test/e2e/**/*-api.test.ts'];
const e2eOnAws = process.env.E2E_TARGET === 'aws';
const UNIT_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'unit',
  AWS_SECRET_ACCESS_KEY: 'unit',
  POWERTOOLS_METRICS_DISABLED: 'true', // EMF lines would bury the test output
};

export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    reporters: ['default', './test/support/tier-times.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'events/**/*.test.ts',
            'shared/**/*.test.ts',
            'services/**/*.test.ts',
            'scripts/**/*.test.ts',
            'test/support/**/*.test.ts', // the tiers' helpers, without the emulator
            '*.test.ts',
          ],
          exclude: [...TOOLING_TESTS, '**/node_modules/**'],
          env: UNIT_ENV,
          // Worker threads start faster than processes: ~30 s instead of ~35 s on 2 cores.
          pool: 'threads',
        },
      },
      {
        extends: true,
        test: {
          name: 'tooling',
          include: TOOLING_TESTS,
          env: UNIT_ENV,
          // Generators and the bundler in child processes: on a shared, loaded machine they
          // need more than vitest's 5 s, though no network.
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          env: {
            ...localAwsEnv(),
            POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
            POWERTOOLS_METRICS_DISABLED: 'true', // EMF lines would bury the test output
          },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: e2eOnAws ? STAGE_ONLY_E2E : ['test/e2e/**/*.test.ts'],
          env: {
            ...(e2eOnAws ? {} : localAwsEnv()),
            POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
          },
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          // The developer tools' own proofs, each on stages of its own: the dev loop (npm run dev)
          // and the bench's end-to-end part against its bare floor. `npm run test:tools` (CI).
          name: 'tools',
          include: ['test/tools/**/*.test.ts'],
          // One at a time: each deploys stages into the one emulator, and deploy-stage.test.ts
          // packages in this checkout (its e2e tier copies it with git ls-files).
          fileParallelism: false,
          env: {
            ...localAwsEnv(),
            POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
          },
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          env: {
            ...localAwsEnv(),
            POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
          },
          testTimeout: 30 * 60_000,
          // After the other tiers, never beside them: it loads the emulator and kills Lambdas.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
