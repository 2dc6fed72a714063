// A preview stage's life as the deploy workflow runs it on AWS, here against the emulator:
// `npm run deploy:stage -- pr-<n>`, then its e2e tier against the deployed stage, then its
// removal — and the e2e files a preview on AWS runs (--aws --test: the stage's HTTP API only),
// pointed at the emulator by the shell's AWS_ENDPOINT_URL. In this checkout, not a copy: the
// e2e tier copies the checkout itself (git ls-files), and the tools tier runs one file at a time.

import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, describe, expect, it } from 'vitest';
import { stackName } from '../../scripts/local/stack.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const stage = `pr-${randomInt(10_000, 99_999)}`;
const step = (...args: string[]) => {
  const run = spawnSync(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    ['scripts/deploy-stage.ts', stage, ...args],
    { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};

let removed = false;
afterAll(() => {
  if (!removed) step('--remove'); // a failed step above must not leave the stage behind
});

describe('npm run deploy:stage', () => {
  it('deploys a preview stage, runs the e2e tier against it, removes it', async () => {
    const deployed = step();
    expect(deployed.status, deployed.output).toBe(0);
    expect(deployed.output).toContain(`Stage:  ${stage} (emulator)`);

    const e2e = step('--test');
    expect(e2e.status, e2e.output).toBe(0);
    expect(e2e.output).toContain(`using the deployed stage "${stage}"`);
    expect(e2e.output).not.toMatch(/deployed stage "local"/);

    // The workflow's step on AWS: only the files that need nothing but the stage itself.
    const onAws = step('--aws', '--test');
    const awsOutput = onAws.output;
    expect(onAws.status, awsOutput).toBe(0);
    // (the example's calculations-api.test.ts, a generated HTTP service's <name>-api.test.ts)
    expect(awsOutput).toMatch(/[\w-]+-api\.test\.ts|No test files found/);
    expect(awsOutput).not.toMatch(/webhook-targets\.test\.ts/);

    const removal = step('--remove');
    expect(removal.status, removal.output).toBe(0);
    removed = true;
    // The tier's environment points the client at the emulator.
    const cloudformation = new CloudFormationClient({});
    const left = await cloudformation
      .send(new DescribeStacksCommand({ StackName: stackName(stage) }))
      .then(({ Stacks }) => Stacks?.filter((s) => s.StackStatus !== 'DELETE_COMPLETE') ?? [])
      .catch(() => []);
    expect(left).toEqual([]);
  }, 900_000);
});
