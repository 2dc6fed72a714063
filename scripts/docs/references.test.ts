import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ciStepsOutOfStep, codeReferences } from './references.ts';

// A throw-away repository per test, with names no fork uses.
let root: string;
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
};
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('codeReferences', () => {
  it('finds the documents code and configuration name, with their anchors, and skips tests', () => {
    root = mkdtempSync(path.join(tmpdir(), 'docs-refs-'));
    write('shared/zqx.ts', '// see docs/zqx-guide.md#retries-and-backoff,\n// and README.md.\n');
    write('zqx.yml', 'a: 1 # docs/zqx-gone.md\n');
    write('shared/zqx.test.ts', "const fixture = 'docs/zqx-fixture.md';\n");
    expect(codeReferences(root).sort((a, b) => a.from.localeCompare(b.from))).toEqual([
      { from: 'shared/zqx.ts', line: 1, target: 'docs/zqx-guide.md#retries-and-backoff' },
      { from: 'shared/zqx.ts', line: 2, target: 'README.md' },
      { from: 'zqx.yml', line: 1, target: 'docs/zqx-gone.md' },
    ]);
  });
});

describe('ciStepsOutOfStep', () => {
  it('names a step the docs or the workflow list that .ci/run does not run, and the other way round', () => {
    root = mkdtempSync(path.join(tmpdir(), 'docs-refs-'));
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
