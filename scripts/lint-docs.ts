#!/usr/bin/env tsx
// `npm run lint:docs`: links and references that point nowhere, and CI steps the docs or the
// workflow list differently from .ci/run (scripts/docs/references.ts says what is checked).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain } from './cli.ts';
import { brokenReferences, ciStepsOutOfStep } from './docs/references.ts';

const cli = {
  usage: `usage: npm run lint:docs
Checks that every relative Markdown link, and every docs/….md or README.md a comment names, points
to a file and heading that exist, and that docs/deploying.md and .github/workflows/ci.yml list
the CI steps .ci/run runs. Exits 1 with one line per finding.
  --help  this text`,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function main(): number {
  parseCli(cli);
  const findings = [...brokenReferences(root), ...ciStepsOutOfStep(root)];
  for (const finding of findings) console.error(finding);
  console.log(`lint:docs: ${findings.length} finding(s)`);
  return findings.length ? 1 : 0;
}

runMain(cli, main);
