import { defineConfig } from 'vitest/config';

// The IAM tier (npm run test:iam): every function's real handler, in-process, under its own role
// from the packaged template, against a moto server that enforces IAM (scripts/iam.ts starts it).
export default defineConfig({
  test: {
    name: 'iam',
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/iam/**/*.test.ts'],
    globalSetup: ['./test/iam/global-setup.ts'],
    env: {
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true', // EMF lines would bury the test output
    },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
