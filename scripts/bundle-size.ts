#!/usr/bin/env tsx
// `npm run size`: package every function (serverless package, offline) and print bundle sizes.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run size
Packages every function for stage dev (serverless package, offline) and prints each one's zip
size and its minified code size.
  --help  this text`,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.serverless');

/** Uncompressed size of the .mjs entries of a zip, read from its central directory. */
function codeBytes(zip: string): number {
  const buffer = execFileSync('unzip', ['-l', zip], { encoding: 'utf8' });
  return buffer
    .split('\n')
    .filter((line) => line.trim().endsWith('.mjs'))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0);
}

function main(): number {
  parseCli(cli);
  const pack = spawnSync(
    path.join(root, 'node_modules', '.bin', 'serverless'),
    ['package', '--stage', 'dev'],
    { cwd: root, encoding: 'utf8' },
  );
  if (pack.status !== 0)
    throw new Error(
      `serverless package failed:\n${pack.error?.message ?? ''}${pack.stdout}${pack.stderr}`,
    );

  const kb = (n: number) => `${(n / 1024).toFixed(0).padStart(6)} KB`;
  console.log('function            zip (deployed)   code (.mjs, minified)');
  for (const file of readdirSync(out)
    .filter((f) => f.endsWith('.zip'))
    .sort()) {
    const zip = path.join(out, file);
    console.log(
      `${file.replace('.zip', '').padEnd(20)}${kb(statSync(zip).size)}        ${kb(codeBytes(zip))}`,
    );
  }
  return 0;
}

runMain(cli, main);
