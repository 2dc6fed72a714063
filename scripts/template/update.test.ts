import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, updateFromTemplate } from './update.ts';

// template:update on a small template of its own (names no fork uses) and forks of it: the real
// merge, the real migrations folder, git as a user has it. The whole template, forked by the
// README's recipe and updated, then linted and tested, is `npm run test:fork`'s proof.
const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'template-update-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
const write = (root: string, files: Record<string, string | null>) => {
  for (const [file, text] of Object.entries(files)) {
    const at = path.join(root, file);
    if (text === null) unlinkSync(at);
    else {
      mkdirSync(path.dirname(at), { recursive: true });
      writeFileSync(at, text);
    }
  }
};
const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');
const lines = (...list: string[]) => `${list.join('\n')}\n`;
const manifest = (examples: string[]) =>
  `${JSON.stringify(
    {
      template: { source: null, base: null },
      fork: ['README.md'],
      generated: ['openapi.yaml'],
      examples,
    },
    null,
    2,
  )}\n`;
const yaml = (...consumers: string[]) =>
  lines('service: zqxtmpl', 'custom:', '  consumers:', ...consumers, 'functions: {}');
const consumer = (name: string) => [`    ${name}:`, `      handler: services/${name}/w.handler`];
const library = (first: string, last: string) =>
  lines(first, 'export const a = 1;', 'export const b = 2;', 'export const c = 3;', last);

/** The template's two states: older (the forks' start) and now. */
const template = path.join(scratch, 'template');
mkdirSync(template);
git(template, 'init', '-q', '-b', 'main');
write(template, {
  'template.json': manifest(['services/zqxexample/']),
  'README.md': lines('# zqx template'),
  'shared/zqx-lib.ts': library('// zqx lib', 'export const z = 26;'),
  'docs/zqx-guide.md': lines('# Guide', '', 'Run zqx first.', '', 'Then the rest.'),
  'scripts/zqx-old-name.ts': lines('export const named = 1;', '', 'export const other = 2;'),
  'scripts/zqx-retired.ts': lines('export const retired = true;'),
  'services/zqxexample/handler.ts': lines('export const example = 1;'),
  'serverless.yml': yaml(...consumer('zqxexample'), '      idempotency: handler'),
  'openapi.yaml': lines('openapi: 3.1.0 # old'),
});
git(template, 'add', '-A');
git(template, 'commit', '-qm', 'older template');
const older = git(template, 'rev-parse', 'HEAD');
mkdirSync(path.join(template, MIGRATIONS), { recursive: true });
for (const file of ['scripts/serverless/yaml-blocks.ts'])
  cpSync(path.join(repo, file), path.join(template, file));
cpSync(
  path.join(repo, MIGRATIONS, '2026-12-04-consumer-idempotency.ts'),
  path.join(template, MIGRATIONS, '2026-12-04-consumer-idempotency.ts'),
);
write(template, {
  'template.json': manifest(['services/zqxexample/', 'docs/zqx-example.md']),
  'README.md': lines('# zqx template, reworded'),
  'shared/zqx-lib.ts': library('// zqx lib, better said', 'export const z = 26;'),
  'shared/zqx-added.ts': lines('export const added = 1;'),
  'docs/zqx-guide.md': lines('# Guide', '', 'Run zqx first, with --yes.', '', 'Then the rest.'),
  'scripts/zqx-old-name.ts': null,
  'scripts/zqx-new-name.ts': lines('export const named = 1;', '', 'export const other = 3;'),
  'scripts/zqx-retired.ts': null,
  'services/zqxexample/handler.ts': lines('export const example = 2;'),
  'services/zqxexample/more.ts': lines('export const more = 1;'),
  'docs/zqx-example.md': lines('# The example'),
  'openapi.yaml': lines('openapi: 3.1.0 # new'),
});
git(template, 'add', '-A');
git(template, 'commit', '-qm', 'template now');
const now = git(template, 'rev-parse', 'HEAD');

/** A fork made from the older template by `git clone`, customized and committed. */
function fork(name: string, edits: Record<string, string | null>, clone = true) {
  const dir = path.join(scratch, name);
  if (clone) {
    git(scratch, 'clone', '-q', template, dir);
    git(dir, 'checkout', '-q', '-B', 'main', older);
  } else {
    // "Use this template": the older tree in a history of its own.
    mkdirSync(dir);
    git(dir, 'init', '-q', '-b', 'main');
    git(template, 'archive', older, '-o', path.join(scratch, `${name}.tar`));
    execFileSync('tar', ['-xf', path.join(scratch, `${name}.tar`)], { cwd: dir });
  }
  write(dir, edits);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'our changes', '--allow-empty');
  return dir;
}

const customized = {
  'README.md': lines('# Our system'),
  'shared/zqx-lib.ts': library('// zqx lib', 'export const z = 27; // ours'),
  'scripts/zqx-old-name.ts': lines(
    'export const named = 10; // ours',
    '',
    'export const other = 2;',
  ),
  'services/zqxexample/handler.ts': null, // remove:examples
  'services/zqxmine/w.ts': lines('export const mine = 1;'),
  'serverless.yml': yaml(...consumer('zqxmine'), ...consumer('zqxtheirs')),
};

describe('npm run template:update', () => {
  it("brings the template's changes and keeps the fork's: merged, renamed, added, removed, migrated", async () => {
    const dir = fork('clean', customized);
    const report = await updateFromTemplate({ root: dir, from: template, install: false });
    expect(report).toMatchObject({ base: older, target: now, baseFrom: 'shared history' });
    expect(report.conflicts).toEqual([]);
    // Both changed the library: the template's first line and the fork's last one.
    expect(report.merged).toEqual(
      expect.arrayContaining([
        'shared/zqx-lib.ts',
        'scripts/zqx-old-name.ts → scripts/zqx-new-name.ts',
      ]),
    );
    expect(read(dir, 'shared/zqx-lib.ts')).toBe(
      library('// zqx lib, better said', 'export const z = 27; // ours'),
    );
    expect(read(dir, 'scripts/zqx-new-name.ts')).toBe(
      lines('export const named = 10; // ours', '', 'export const other = 3;'),
    );
    expect(existsSync(path.join(dir, 'scripts/zqx-old-name.ts'))).toBe(false);
    expect(report.updated).toContain('docs/zqx-guide.md');
    expect(report.added).toEqual(expect.arrayContaining(['shared/zqx-added.ts']));
    expect(report.removed).toEqual(['scripts/zqx-retired.ts']);
    // The fork's own files, and the examples it removed, stay as the fork has them.
    expect(read(dir, 'README.md')).toBe(lines('# Our system'));
    expect(read(dir, 'services/zqxmine/w.ts')).toBe(lines('export const mine = 1;'));
    for (const gone of ['services/zqxexample/more.ts', 'docs/zqx-example.md'])
      expect(existsSync(path.join(dir, gone)), gone).toBe(false);
    expect(report.leftAlone.map((l) => l.file)).toEqual(
      expect.arrayContaining(['README.md', 'services/zqxexample/more.ts', 'docs/zqx-example.md']),
    );
    // A generated document is not merged (the fork's generators rebuild it).
    expect(read(dir, 'openapi.yaml')).toBe(lines('openapi: 3.1.0 # old'));
    // The migration the template added ran once, on the fork's own entries.
    expect(report.migrations).toEqual([
      expect.objectContaining({
        name: '2026-12-04-consumer-idempotency',
        changed: ['serverless.yml'],
      }),
    ]);
    expect(read(dir, 'serverless.yml')).toBe(
      yaml(
        ...consumer('zqxmine'),
        '      idempotency: table',
        ...consumer('zqxtheirs'),
        '      idempotency: table',
      ),
    );
    // The base advanced, and the template's later lists were merged into the fork's manifest.
    const recorded = JSON.parse(read(dir, 'template.json'));
    expect(recorded.template).toEqual({ source: template, base: now });
    expect(recorded.examples).toContain('docs/zqx-example.md');

    // Committed, a second update has nothing to do.
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'template update');
    const again = await updateFromTemplate({ root: dir, install: false });
    expect(again).toMatchObject({ base: now, target: now, baseFrom: 'template.json' });
    expect([...again.updated, ...again.merged, ...again.added, ...again.migrations]).toEqual([]);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('marks a conflict, lists it and exits 1, the fork’s edit intact in the file', () => {
    const dir = fork('conflict', {
      ...customized,
      'docs/zqx-guide.md': lines('# Guide', '', 'Run zqx first, twice.', '', 'Then the rest.'),
    });
    const run = spawnSync(
      path.join(repo, 'node_modules/.bin/tsx'),
      [path.join(repo, 'scripts/template-update.ts'), '--from', template],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /CONFLICTS[^\n]*\n {2}docs\/zqx-guide\.md: 1 conflicting change marked/,
    );
    const guide = read(dir, 'docs/zqx-guide.md');
    expect(guide).toContain('Run zqx first, twice.');
    expect(guide).toContain('Run zqx first, with --yes.');
    expect(guide).toMatch(/^<{7} docs\/zqx-guide\.md \(this fork\)$/m);
    // Everything else was still brought, and `git checkout . && git clean -fd` undoes it all.
    expect(read(dir, 'shared/zqx-lib.ts')).toContain('better said');
    git(dir, 'checkout', '.');
    git(dir, 'clean', '-fdq');
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(read(dir, 'docs/zqx-guide.md')).toContain('twice');
  });

  it('finds the base of a fork with a history of its own by its first tree ("Use this template")', async () => {
    const dir = fork('own-history', {}, false);
    const report = await updateFromTemplate({ root: dir, from: template, install: false });
    expect(report).toMatchObject({ base: older, baseFrom: 'same tree', conflicts: [] });
    expect(read(dir, 'docs/zqx-guide.md')).toContain('with --yes');
  });

  it('refuses a dirty working tree and a fork that names no template, in one sentence', async () => {
    const dir = fork('dirty', {});
    write(dir, { 'shared/zqx-lib.ts': lines('// unsaved work') });
    await expect(updateFromTemplate({ root: dir, from: template })).rejects.toThrow(
      /uncommitted changes; commit or stash them first/,
    );
    git(dir, 'checkout', '.');
    await expect(updateFromTemplate({ root: dir })).rejects.toThrow(
      /names no template source; pass --from/,
    );
  });
});
