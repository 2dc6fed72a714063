import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokenReferences, ciStepsOutOfStep } from './references.ts';

// A throw-away repository per test, with names no fork uses.
let root: string;
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
};
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('brokenReferences', () => {
  it('names a link to a missing file or heading, and a comment pointing to a missing section', () => {
    root = mkdtempSync(path.join(tmpdir(), 'lint-docs-'));
    write(
      'docs/zqx-guide.md',
      '# Zqx guide\n\n## Retries `and` backoff\n\nSee [setup](zqx-setup.md) and [it](#retries-and-backoff).\n```\n[not a link](nowhere.md)\n```\n',
    );
    write(
      'README.md',
      '# Title\n\n[guide](docs/zqx-guide.md#retries) · [web](https://example.com)\n',
    );
    write('shared/zqx.ts', '// see docs/zqx-guide.md#retries-and-backoff and docs/zqx-gone.md\n');
    expect(brokenReferences(root)).toEqual([
      'README.md:3 points to docs/zqx-guide.md#retries, and docs/zqx-guide.md has no heading with that anchor',
      'docs/zqx-guide.md:5 points to zqx-setup.md, and zqx-setup.md does not exist',
      'shared/zqx.ts:1 points to docs/zqx-gone.md, and docs/zqx-gone.md does not exist',
    ]);
  });
});

describe('ciStepsOutOfStep', () => {
  it('names a step the docs or the workflow list that .ci/run does not run, and the other way round', () => {
    root = mkdtempSync(path.join(tmpdir(), 'lint-docs-'));
    write(
      '.ci/run',
      '#!/bin/sh\nstep npm ci\n# npm run old\nstep npm run lint:zqx\nstep npm test\n',
    );
    write(
      'docs/deploying.md',
      '# D\n\n## CI\n\n```sh\nnpm ci\nnpm run lint:zqx   # the zqx check\nnpm run retired\nnpm test\n```\n',
    );
    write(
      '.github/workflows/ci.yml',
      'jobs:\n  c:\n    steps:\n      - run: npm ci\n      - run: npm test\n',
    );
    expect(ciStepsOutOfStep(root)).toEqual([
      'docs/deploying.md (## CI) lists `npm run retired`, which .ci/run does not run',
      '.github/workflows/ci.yml does not list `npm run lint:zqx`, which .ci/run runs',
    ]);
  });
});
