#!/usr/bin/env tsx
// `npm run lint:iac`: package the template for `dev`, `prod` and prod with its opt-ins (offline)
// and check it, and the bootstrap stack derived from it (scripts/deploy/), with the tools that know AWS's rules — cfn-lint (what CloudFormation accepts) and
// checkov (security practice). Any error, warning or failed check fails the command. Both tools
// are pinned and live in their own venv (.tools/iac): checkov's pins conflict with MiniStack's, so
// they cannot share one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapTemplate } from './deploy/bootstrap-template.ts';
import { packageVariant, resourceTypesOf, VARIANTS } from './deploy/package-variants.ts';
import { parseCli, runMain } from './lib/cli.ts';
import { ensurePythonPackages } from './lib/python-venv.ts';
import { pinsOf } from './lib/tool-pins.ts';

export const IAC_TOOLS = pinsOf('iac.txt');
const cli = {
  usage: `usage: npm run lint:iac
Packages the template for dev, prod and prod with its opt-ins (offline) and checks each, and the
keyless-deploy bootstrap stack (npm run deploy:bootstrap) derived from them, with cfn-lint and checkov (installed into .tools/iac on first use; needs Python 3.10+). Exits 1 on
any finding.
  --help  this text`,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', env });
}

/** cfn-lint and checkov on one template; the number of findings (a tool that failed counts one). */
function check(bin: string, name: string, template: string): number {
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
  return lintFindings.length + failedChecks + (lint.status === 0 ? 0 : 1);
}

async function main(): Promise<number> {
  parseCli(cli);
  const bin = ensurePythonPackages(path.join(root, '.tools', 'iac'), IAC_TOOLS, console.log);
  const out = mkdtempSync(path.join(tmpdir(), 'lint-iac-'));
  let failed = 0;
  try {
    const types = new Set<string>();
    for (const variant of VARIANTS) {
      const packed = packageVariant(variant, path.join(out, variant.name));
      if ('failure' in packed) {
        console.error(`serverless package (${variant.name}) failed:\n${packed.failure}`);
        return 1;
      }
      for (const type of resourceTypesOf(packed.template)) types.add(type);
      failed += check(bin, variant.name, packed.template);
    }
    // The keyless-deploy bootstrap stack, its execution role derived from those resource types.
    const bootstrap = path.join(out, 'bootstrap.json');
    writeFileSync(bootstrap, JSON.stringify(await bootstrapTemplate(types), null, 2));
    failed += check(bin, 'bootstrap', bootstrap);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return failed === 0 ? 0 : 1;
}

runMain(cli, main);
