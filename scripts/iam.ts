#!/usr/bin/env tsx
// `npm run test:iam`: IAM enforced somewhere. The emulators accept any call from anyone, so the
// least-privilege roles in the template were asserted, never exercised. This packages the
// template (offline, stage dev), starts a moto server that enforces IAM and runs test/iam: each
// function's real handler in-process under its own role, through the integration scenarios.
// Then it prints, per role, what the template allows beside what the functions used.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain, UsageError } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run test:iam -- [--template <file>] [filter…] [-- vitest option…]
Runs every function's handler under its own role from the packaged template (serverless package
--stage dev, offline) against moto server with IAM enforced, then prints each role's allowed
actions beside the actions its function used.
  --template <file>  a packaged template to use instead (e.g. one with a statement removed)
  filter…            run only the test files of test/iam whose path contains one of these
  -- vitest option…  after a second --, passed to vitest as it is
  --help             this text`,
  options: { template: { type: 'string' } },
  allowPositionals: true,
} as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Calls no in-process handler makes, so no test here can see them.
const unseen = (action: string) =>
  action.startsWith('logs:')
    ? ' (made by the Lambda service, not the handler)'
    : action.startsWith('kms:')
      ? " (made by SNS/SSM on the caller's behalf; moto makes none)"
      : '';
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

interface Decision {
  principal: string;
  action: string;
  resource: string;
  allowed: boolean;
}

async function main(): Promise<number> {
  const { values, positionals } = parseCli(cli);
  if (values.template !== undefined && !existsSync(values.template))
    throw new UsageError(`--template ${values.template} does not exist.`);
  const { startMotoServer } = await import('./moto.ts');
  const { allowedActions, conditionKeys, functionsOf, readTemplate } = await import(
    '../test/iam/template.ts'
  );
  const started = Date.now();
  const work = mkdtempSync(path.join(tmpdir(), 'iam-tier-'));
  try {
    let templateFile = values.template;
    if (!templateFile) {
      const packaging = Date.now();
      execFileSync(
        path.join(root, 'node_modules', '.bin', 'serverless'),
        ['package', '--stage', 'dev', '--package', path.join(work, 'package')],
        { cwd: root, stdio: 'pipe' },
      );
      templateFile = path.join(work, 'package', 'cloudformation-template-update-stack.json');
      console.log(`packaged the template (stage dev) in ${seconds(packaging)}`);
    }
    const audit = path.join(work, 'iam-decisions.jsonl');
    const moto = await startMotoServer({ iam: { audit } });
    const testing = Date.now();
    const tests = spawnSync(
      path.join(root, 'node_modules', '.bin', 'vitest'),
      ['run', '--config', 'test/iam/vitest.config.ts', ...positionals],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: moto.endpoint,
          IAM_TIER_TEMPLATE: path.resolve(templateFile),
        },
      },
    );
    moto.stop();
    console.log(`tests against moto with IAM enforced: ${seconds(testing)}`);

    const template = readTemplate(templateFile);
    const decisions: Decision[] = existsSync(audit)
      ? readFileSync(audit, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
    // arn:aws:sts::<account>:assumed-role/<role>/<session>; the functions' session is "function".
    const byRole = (role: string, allowed: boolean) => [
      ...new Set(
        decisions
          .filter((d) => d.principal.endsWith(`:assumed-role/${role}/function`))
          .filter((d) => d.allowed === allowed)
          .map((d) => d.action),
      ),
    ];
    const roles = [...new Set(functionsOf(template).map((f) => f.role))];
    console.log('\nrole: allowed by the template → used by its function in these tests');
    for (const role of roles) {
      const used = byRole(role, true);
      const refused = byRole(role, false);
      const functions = functionsOf(template)
        .filter((f) => f.role === role)
        .map((f) => f.id.replace(/LambdaFunction$/, ''));
      console.log(`${role} (${functions.join(', ')})`);
      for (const action of allowedActions(template, role))
        console.log(
          `  ${used.includes(action) ? 'used  ' : 'unused'}  ${action}${used.includes(action) ? '' : unseen(action)}`,
        );
      for (const action of refused) console.log(`  DENIED  ${action} (the function needed it)`);
      const keys = conditionKeys(template, role);
      if (keys.length) console.log(`  conditions moto does not evaluate: ${keys.join(', ')}`);
    }
    console.log(`\nnpm run test:iam took ${seconds(started)}`);
    return tests.status ?? 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runMain(cli, main);
