// The keyless deploy's rights proven by observation (npm run deploy:bootstrap): `serverless
// deploy` and `serverless remove` of a stage of their own, in a copy of the checkout, call the
// emulator through the IAM observer as the bootstrap's deploy role, and every distinct call they
// make is judged against that role with an IAM policy evaluator — none may be denied, and taking
// away one action they use must be (the check can fail). The execution role's rights cannot be
// observed — CloudFormation makes those calls inside the emulator — so they are derived and
// checked by `npm run lint:iac` and scripts/deploy/bootstrap-template.test.ts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapRole, bootstrapTemplate } from '../../scripts/deploy/bootstrap-template.ts';
import { resourceTypesOf } from '../../scripts/deploy/package-variants.ts';
import { localAwsEnv } from '../../scripts/emulator/local-env.ts';
import { evaluateCall } from '../../scripts/iam/evaluate.ts';
import { type IamObserver, startIamObserver } from '../../scripts/iam/observer.ts';
import type { FunctionRole } from '../../scripts/iam/template-roles.ts';
import { serviceName } from '../../scripts/local/stack.ts';
import { copyRepository } from '../support/repo-copy.ts';

const fork = copyRepository();
const stage = `dr${randomBytes(3).toString('hex')}`;
const DEPLOYER = 'DeployRole';
let observer: IamObserver;
let role: FunctionRole;
const steps: Record<string, { status: number | null; output: string }> = {};

beforeAll(async () => {
  const env = localAwsEnv();
  observer = await startIamObserver({
    target: env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
    caller: DEPLOYER,
  });
  const packaged = path.join(fork.dir, '.serverless');
  const pack = fork.run('serverless', ['package', '--stage', stage, '--package', packaged]);
  if (pack.status !== 0)
    throw new Error(`serverless package failed:\n${pack.stdout}${pack.stderr}`);
  const template = await bootstrapTemplate(
    resourceTypesOf(path.join(packaged, 'cloudformation-template-update-stack.json')),
  );
  role = await bootstrapRole(template, DEPLOYER, {
    accountId: observer.accountId,
    region: env.AWS_REGION ?? 'us-east-1',
    service: serviceName(),
    repository: 'zqx-org/zqx-repo',
  });
  // The deployer's own calls go through the observer; the functions are never invoked.
  const through: NodeJS.ProcessEnv = { ...process.env, ...env, AWS_ENDPOINT_URL: observer.url };
  // Asynchronously: the observer answers in this process, so its event loop must keep running.
  for (const command of ['deploy', 'remove'])
    steps[command] = await new Promise((resolve) => {
      const child = spawn(
        path.join(fork.dir, 'node_modules', '.bin', 'serverless'),
        [command, '--stage', stage],
        {
          cwd: fork.dir,
          env: {
            ...through,
            CI: 'true',
            PATH: `${path.join(fork.dir, 'node_modules', '.bin')}${path.delimiter}${through.PATH}`,
          },
        },
      );
      let output = '';
      child.stdout.on('data', (c) => {
        output += c;
      });
      child.stderr.on('data', (c) => {
        output += c;
      });
      child.on('exit', (status) => resolve({ status, output }));
    });
}, 600_000);

afterAll(async () => {
  await observer?.close();
  fork.remove();
});

describe('the bootstrap deploy role, observed', () => {
  it('deploys and removes a stage', () => {
    expect(steps.deploy?.status, steps.deploy?.output).toBe(0);
    expect(steps.remove?.status, steps.remove?.output).toBe(0);
  });

  it('allows every call serverless deploy and remove made', async () => {
    const report = await observer.check([role]);
    expect(report.denied).toEqual([]);
    expect(report.checked[DEPLOYER]).toBeGreaterThan(0);
  });

  it('denies, by name, a call whose action is taken away', async () => {
    const calls = observer.observedCalls(DEPLOYER);
    const used = calls.find((c) => c.action === 'cloudformation:DescribeStacks') ?? calls[0];
    expect(used).toBeDefined();
    const action = used?.action as string;
    const without: FunctionRole = {
      ...role,
      policies: role.policies.map((p) => ({
        ...p,
        statements: p.statements.map((s) => ({
          ...s,
          Action: [s.Action].flat().filter((a) => a !== action),
        })),
      })),
    };
    const verdict = await evaluateCall(without, used as never, observer.accountId);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain(action);
  });
});
