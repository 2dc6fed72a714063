// test:fork's template history: the checkout it copied, given an older state (the one the fork is
// made from) and a current one (what `npm run template:update` brings), in a template repository
// of its own — so the proof needs nothing of this repository's history, in any fork. The older
// state differs the way a template's history does: a line of shared code it later dropped, a
// script it later retired, and no migration yet of one the current state adds. Names no fork uses.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MIGRATIONS } from './update.ts';

const OLD_LINE = '// zqx: a line the template has since dropped';
const RETIRED = 'scripts/zqx-retired.ts';
const PROBE = `${MIGRATIONS}9999-12-31-zqx-probe.ts`;
const PROBE_MARK = '# zqx: the probe migration ran';
/** The mechanism file both the older template and the fork change (at opposite ends). */
const SHARED = 'shared/consumer.ts';
const FORK_LINE = '// zqx: a line this fork added';

export interface TemplateHistory {
  /** The template repository holding both states (pass it to template:update's --from). */
  source: string;
  older: string;
  now: string;
  remove(): void;
}

/**
 * Commit the checkout at `dir` as the template's older state then its current one, clone that
 * into a repository of its own, and leave `dir` on the older state: a fork made from it.
 */
export function templateHistory(dir: string): TemplateHistory {
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=template', '-c', 'user.email=template@example.invalid', ...args],
      { cwd: dir, encoding: 'utf8' },
    ).trim();
  const file = (name: string) => path.join(dir, name);
  const shared = readFileSync(file(SHARED), 'utf8');

  writeFileSync(file(SHARED), `${shared}${OLD_LINE}\n`);
  writeFileSync(file(RETIRED), 'export const retired = true;\n');
  git('add', '-A');
  git('commit', '-qm', 'the template, older');
  const older = git('rev-parse', 'HEAD');

  writeFileSync(file(SHARED), shared);
  rmSync(file(RETIRED));
  writeFileSync(
    file(PROBE),
    `// test:fork's probe: a migration the current template adds (marks serverless.yml).
import { appendFileSync } from 'node:fs';
import path from 'node:path';

export const description = 'test:fork probe: marks serverless.yml';

export function migrate(root: string): string[] {
  appendFileSync(path.join(root, 'serverless.yml'), '${PROBE_MARK}\\n');
  return ['serverless.yml'];
}
`,
  );
  git('add', '-A');
  git('commit', '-qm', 'the template, now');
  const now = git('rev-parse', 'HEAD');

  const source = mkdtempSync(path.join(tmpdir(), 'template-'));
  execFileSync('git', ['clone', '-q', '--bare', dir, source]);
  git('reset', '-q', '--hard', older);
  return { source, older, now, remove: () => rmSync(source, { recursive: true, force: true }) };
}

/** The fork's own edit of a template file, made as a team would before updating. */
export function customize(dir: string): void {
  writeFileSync(
    path.join(dir, SHARED),
    `${FORK_LINE}\n${readFileSync(path.join(dir, SHARED), 'utf8')}`,
  );
}

/** What a right update left: the template's changes in, the fork's kept, the base advanced. */
export function checkUpdated(dir: string, history: TemplateHistory): string[] {
  const problems: string[] = [];
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
  const shared = read(SHARED);
  if (shared.includes(OLD_LINE)) problems.push(`${SHARED} still has the line the template dropped`);
  if (!shared.startsWith(FORK_LINE)) problems.push(`${SHARED} lost the fork's own line`);
  if (existsSync(path.join(dir, RETIRED)))
    problems.push(`${RETIRED}, retired by the template, is still there`);
  if (!read('serverless.yml').includes(PROBE_MARK))
    problems.push('the probe migration did not run');
  const base = JSON.parse(read('template.json')).template.base;
  if (base !== history.now) problems.push(`template.json's base is ${base}, not ${history.now}`);
  return problems;
}
