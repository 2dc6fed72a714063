// What keeps the docs true where no other test reads them (docs.test.ts runs these):
//  - the `docs/….md` and `README.md` a comment names (in code, serverless.yml, the workflows),
//    which docs.test.ts then resolves like a Markdown link, anchor included;
//  - the CI steps docs/deploying.md and .github/workflows/ci.yml list, against what .ci/run runs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.emulator',
  '.tools',
  '.serverless',
  'dist',
]);
const CODE_FILE = /\.(ts|ya?ml|json|sh)$|^run$/;

function codeFiles(root: string, dir = '', found: string[] = []): string[] {
  for (const name of readdirSync(path.join(root, dir))) {
    if (SKIPPED_DIRS.has(name) || name.startsWith('.esbuild')) continue;
    const relative = path.join(dir, name);
    if (statSync(path.join(root, relative)).isDirectory()) codeFiles(root, relative, found);
    // A test's strings are its fixtures; the lock file names no document.
    else if (CODE_FILE.test(name) && !name.endsWith('.test.ts') && name !== 'package-lock.json')
      found.push(relative);
  }
  return found;
}

export interface CodeReference {
  from: string;
  line: number;
  /** Relative to the repository's root, e.g. `docs/consumers.md#batches-and-time`. */
  target: string;
}

/** Every `docs/….md` or `README.md` (with its #anchor) a code file of the repository names. */
export function codeReferences(root: string): CodeReference[] {
  const found: CodeReference[] = [];
  for (const from of codeFiles(root))
    readFileSync(path.join(root, from), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        for (const [target] of text.matchAll(/\b(?:docs\/[\w-]+\.md|README\.md)(?:#[\w-]+)?/g))
          found.push({ from, line: i + 1, target });
      });
  return found;
}

const COMMAND = /\bnpm (?:ci|test|run [\w:-]+)/g;
const commands = (lines: string[]) =>
  lines.flatMap((line) => [...line.replace(/#.*/, '').matchAll(COMMAND)].map(([c]) => c));
const read = (root: string, file: string) =>
  existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), 'utf8') : '';

/** The commands `.ci/run` runs (comments skipped). */
export function ciRunSteps(root: string): string[] {
  return commands(read(root, '.ci/run').split('\n'));
}

/** The commands of the ```sh block under docs/deploying.md's `## CI` heading. */
export function documentedSteps(root: string): string[] {
  const section = read(root, 'docs/deploying.md')
    .split(/^## /m)
    .find((s) => s.startsWith('CI\n'));
  return commands((section?.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '').split('\n'));
}

/** The commands of every `run:` step of .github/workflows/ci.yml. */
export function workflowSteps(root: string): string[] {
  const lines = read(root, '.github/workflows/ci.yml').split('\n');
  return commands(lines.filter((line) => /^\s*-?\s*run:/.test(line)));
}

/** One sentence per CI step docs/deploying.md or the workflow lists and .ci/run does not run, or the other way round. */
export function ciStepsOutOfStep(root: string): string[] {
  const run = new Set(ciRunSteps(root));
  const findings: string[] = [];
  for (const [name, listed] of [
    ['docs/deploying.md (## CI)', documentedSteps(root)],
    ['.github/workflows/ci.yml', workflowSteps(root)],
  ] as const) {
    const steps = new Set(listed);
    for (const step of run)
      if (!steps.has(step)) findings.push(`${name} does not list \`${step}\`, which .ci/run runs`);
    for (const step of steps)
      if (!run.has(step)) findings.push(`${name} lists \`${step}\`, which .ci/run does not run`);
  }
  return findings;
}
