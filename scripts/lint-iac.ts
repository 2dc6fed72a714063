#!/usr/bin/env tsx
// `npm run lint:iac`: package the template for `dev`, `prod` and prod with its opt-ins (offline)
// and check it with the tools that know AWS's rules — cfn-lint (what CloudFormation accepts) and
// checkov (security practice). Any error, warning or failed check fails the command. Both tools
// are pinned and live in their own venv (.tools/iac): checkov's pins conflict with MiniStack's, so
// they cannot share one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain } from './cli.ts';
import { ensurePythonPackages } from './python-venv.ts';
import { pinsOf } from './tool-pins.ts';

export const IAC_TOOLS = pinsOf('iac.txt');
// dev and prod as they are, and prod with every opt-in switched on (tracing, a JWT authorizer):
// what a stage param adds must pass the same checks.
const VARIANTS = [
  { name: 'dev', stage: 'dev', params: [] },
  // prod without an authorizer deploys only when its API is said to be public.
  { name: 'prod', stage: 'prod', params: ['apiPublic=true'] },
  {
    name: 'prod+opt-ins',
    stage: 'prod',
    params: [
      'tracing=Active',
      'apiJwtIssuer=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
      'apiJwtAudience=example-client',
    ],
  },
];

const cli = {
  usage: `usage: npm run lint:iac
Packages the template for dev, prod and prod with its opt-ins (offline) and checks each with
cfn-lint and checkov (installed into .tools/iac on first use; needs Python 3.10+). Exits 1 on
any finding.
  --help  this text`,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', env });
}

function main(): number {
  parseCli(cli);
  const bin = ensurePythonPackages(path.join(root, '.tools', 'iac'), IAC_TOOLS, console.log);
  const out = mkdtempSync(path.join(tmpdir(), 'lint-iac-'));
  let failed = 0;
  try {
    for (const { name, stage, params } of VARIANTS) {
      const dir = path.join(out, name);
      const pack = run(path.join(root, 'node_modules', '.bin', 'serverless'), [
        'package',
        '--stage',
        stage,
        '--package',
        dir,
        ...params.map((param) => `--param=${param}`),
      ]);
      if (pack.status !== 0) {
        console.error(`serverless package (${name}) failed:\n${pack.stdout}${pack.stderr}`);
        return 1;
      }
      const template = path.join(dir, 'cloudformation-template-update-stack.json');

      const lint = run(path.join(bin, 'cfn-lint'), ['--format', 'parseable', template]);
      const lintFindings = lint.stdout.trim() ? lint.stdout.trim().split('\n') : [];
      console.log(`${name}: cfn-lint ${lintFindings.length} findings`);
      for (const line of lintFindings) console.log(`  ${line.replace(`${template}:`, '')}`);

      // --skip-download: no call to the vendor's API (only package registries are reachable here).
      const scan = run(path.join(bin, 'checkov'), [
        '--file',
        template,
        '--framework',
        'cloudformation',
        '--output',
        'json',
        '--quiet',
        '--skip-download',
      ]);
      const report = JSON.parse(scan.stdout || '{}') as {
        summary?: { passed: number; failed: number; skipped: number };
        results?: { failed_checks?: { check_id: string; resource: string; check_name: string }[] };
      };
      if (!report.summary) {
        console.error(`checkov produced no report:\n${scan.stdout}${scan.stderr}`);
        return 1;
      }
      const { passed, failed: failedChecks, skipped } = report.summary;
      console.log(
        `${name}: checkov ${passed} passed, ${failedChecks} failed, ${skipped} skipped (reasons in the template)`,
      );
      for (const check of report.results?.failed_checks ?? []) {
        console.log(`  ${check.check_id} ${check.resource}: ${check.check_name}`);
      }
      failed += lintFindings.length + failedChecks + (lint.status === 0 ? 0 : 1);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return failed === 0 ? 0 : 1;
}

runMain(cli, main);
