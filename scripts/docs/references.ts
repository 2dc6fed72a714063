// What `npm run lint:docs` checks: the documents and comments stay true where no test reads them.
//  - Every relative link of a Markdown file, and every `docs/….md` / `README.md` a comment or
//    document names, points to a file that exists and, with `#anchor`, to a heading it has
//    (GitHub's anchors, github-slugger).
//  - The CI steps listed in docs/deploying.md and run by .github/workflows/ci.yml are the ones
//    .ci/run runs, neither more nor fewer.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';

/** One sentence per broken reference or CI step out of step, naming the file and line. */
export type Finding = string;

const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.emulator',
  '.tools',
  '.serverless',
  'dist',
]);
const CODE_FILE = /\.(ts|ya?ml|json|sh)$|^run$/;

function walk(root: string, dir = root, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name) || name.startsWith('.esbuild') || name === 'package-lock.json')
      continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(root, full, found);
    else found.push(path.relative(root, full));
  }
  return found;
}

/** The lines of a Markdown text outside fenced code blocks, with their numbers. */
function prose(text: string): Array<[number, string]> {
  const lines: Array<[number, string]> = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push([i + 1, line]);
  });
  return lines;
}

const anchorsCache = new Map<string, Set<string>>();
/** The anchors GitHub gives a Markdown file's headings. */
function anchorsOf(file: string): Set<string> {
  const known = anchorsCache.get(file);
  if (known) return known;
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const [, line] of prose(readFileSync(file, 'utf8'))) {
    const heading = line.match(/^#{1,6}\s+(.+?)\s*#*\s*$/)?.[1];
    if (heading) anchors.add(slugger.slug(heading.replace(/`|\*\*|\[([^\]]*)\]\([^)]*\)/g, '$1')));
  }
  anchorsCache.set(file, anchors);
  return anchors;
}

function checkTarget(root: string, from: string, line: number, target: string, base: string) {
  const [file = '', anchor] = target.split('#');
  const resolved = file ? path.resolve(base, decodeURIComponent(file)) : path.join(root, from);
  const where = `${from}:${line}`;
  if (!existsSync(resolved)) return `${where} points to ${target}, and ${file} does not exist`;
  if (anchor === undefined || !resolved.endsWith('.md')) return undefined;
  if (!anchorsOf(resolved).has(anchor))
    return `${where} points to ${target}, and ${path.relative(root, resolved)} has no heading with that anchor`;
  return undefined;
}

/** Broken links and references in the repository at `root`. */
export function brokenReferences(root: string): Finding[] {
  anchorsCache.clear();
  const findings: Finding[] = [];
  for (const file of walk(root)) {
    const full = path.join(root, file);
    if (file.endsWith('.md')) {
      for (const [n, line] of prose(readFileSync(full, 'utf8'))) {
        for (const [, target = ''] of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
          if (/^[a-z][\w+.-]*:/i.test(target)) continue; // https:, mailto: …
          const found = checkTarget(root, file, n, target, path.dirname(full));
          if (found) findings.push(found);
        }
      }
    } else if (CODE_FILE.test(path.basename(file)) && !file.endsWith('.test.ts')) {
      readFileSync(full, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const [target = ''] of line.matchAll(
            /\b(?:docs\/[\w-]+\.md|README\.md)(?:#[\w-]+)?/g,
          )) {
            const found = checkTarget(root, file, i + 1, target, root);
            if (found) findings.push(found);
          }
        });
    }
  }
  return findings;
}

const COMMAND = /\bnpm (?:ci|test|run [\w:-]+)/g;
const commands = (lines: string[]) =>
  lines.flatMap((line) => [...line.replace(/#.*/, '').matchAll(COMMAND)].map(([c]) => c));

/** The commands `.ci/run` runs (comments skipped). */
export function ciRunSteps(root: string): string[] {
  return commands(readFileSync(path.join(root, '.ci/run'), 'utf8').split('\n'));
}

/** The commands of the ```sh block under docs/deploying.md's `## CI` heading. */
export function documentedSteps(root: string): string[] {
  const text = readFileSync(path.join(root, 'docs/deploying.md'), 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith('CI\n')) ?? '';
  const block = section.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
  return commands(block.split('\n'));
}

/** The commands of every `run:` step of .github/workflows/ci.yml. */
export function workflowSteps(root: string): string[] {
  const text = readFileSync(path.join(root, '.github/workflows/ci.yml'), 'utf8');
  return commands(text.split('\n').filter((line) => /^\s*-?\s*run:/.test(line)));
}

/** Where docs/deploying.md or the workflow list other CI steps than .ci/run runs. */
export function ciStepsOutOfStep(root: string): Finding[] {
  const run = new Set(ciRunSteps(root));
  const findings: Finding[] = [];
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
