// `npm run template:update`'s work: bring a fork the template's changes between the commit it
// stands on (template.json's base) and a newer one — the way `copier update` does. Every file the
// template changed is three-way merged with the fork's own version (the fork's edits kept,
// conflicts marked as git marks them), the fork's files left alone, migrations added since the
// base run, generated documents rebuilt and the base advanced. Nothing is committed: the working
// tree holds the result, and `git checkout . && git clean -fd` undoes it (so it starts clean).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Git, gitIn, mergeThreeWay } from './git.ts';
import { listed, MANIFEST, readManifest, recordTemplate } from './manifest.ts';

/** Where migrations live: one module per change in what the fork owns, run once when added. */
export const MIGRATIONS = 'scripts/template/migrations/';

/** What a migration module exports. It must be safe to run twice (it checks before it edits). */
export interface Migration {
  description: string;
  migrate(root: string): string[];
}

export class TemplateUpdateError extends Error {
  override name = 'TemplateUpdateError';
}

export interface UpdateOptions {
  root: string;
  /** The template: a git URL or path (default: template.json's source). */
  from?: string;
  /** A branch, tag or commit of the template (default: its HEAD). */
  to?: string;
  /** The template commit the fork stands on, when template.json does not record it. */
  base?: string;
  /** Run `npm install` when package.json or its lock changed (the command does; tests may not). */
  install?: boolean;
}

export interface UpdateReport {
  base: string;
  target: string;
  /** How the base was found: recorded, given, shared history or an identical tree. */
  baseFrom: 'template.json' | '--base' | 'shared history' | 'same tree';
  updated: string[];
  merged: string[];
  added: string[];
  removed: string[];
  conflicts: Array<{ file: string; why: string }>;
  /** Changed by the template but not brought: the fork's files, examples it removed, and so on. */
  leftAlone: Array<{ file: string; why: string }>;
  migrations: Array<{ name: string; description: string; changed: string[] }>;
  /** Steps after the merge that failed (regenerating a document with conflicts in its sources). */
  followUps: string[];
}

interface Change {
  status: 'A' | 'M' | 'D' | 'R';
  file: string;
  /** The path at the base, for a rename. */
  from?: string;
}

/** `git diff --name-status -z -M` between two commits, renames followed. */
function changesBetween(git: Git, base: string, target: string): Change[] {
  const fields = git.run('diff', '--name-status', '-z', '-M', base, target).split('\0');
  const changes: Change[] = [];
  for (let i = 0; i < fields.length && fields[i]; ) {
    const status = (fields[i] ?? '')[0] as string;
    if (status === 'R' || status === 'C') {
      const [from, file] = [fields[i + 1] ?? '', fields[i + 2] ?? ''];
      changes.push(status === 'R' ? { status: 'R', file, from } : { status: 'A', file });
      i += 3;
    } else {
      const file = fields[i + 1] ?? '';
      changes.push({ status: status === 'T' ? 'M' : (status as Change['status']), file });
      i += 2;
    }
  }
  return changes;
}

/** The template commit this fork stands on, and how that is known. */
function findBase(
  git: Git,
  options: UpdateOptions,
  recorded: string | null,
  target: string,
): Pick<UpdateReport, 'base' | 'baseFrom'> {
  const exists = (commit: string) =>
    git.tryRun('cat-file', '-e', `${commit}^{commit}`) !== undefined;
  if (options.base) {
    const base = git.tryRun('rev-parse', '--verify', `${options.base}^{commit}`);
    if (!base)
      throw new TemplateUpdateError(`--base ${options.base} is no commit of the template.`);
    return { base, baseFrom: '--base' };
  }
  if (recorded) {
    if (!exists(recorded))
      throw new TemplateUpdateError(
        `${MANIFEST} says this fork stands on ${recorded}, which the template does not have.`,
      );
    return { base: recorded, baseFrom: 'template.json' };
  }
  // A clone or a GitHub fork shares the template's history: the last template commit in it.
  const shared = git.tryRun('merge-base', 'HEAD', target);
  if (shared) return { base: shared, baseFrom: 'shared history' };
  // "Use this template" starts a new history whose first commit has the template's tree.
  const [rootCommit] = git.run('rev-list', '--max-parents=0', 'HEAD').split('\n').slice(-1);
  const tree = git.run('rev-parse', `${rootCommit}^{tree}`);
  for (const line of git.run('log', '--format=%H %T', target).split('\n')) {
    const [commit, commitTree] = line.split(' ');
    if (commitTree === tree && commit) return { base: commit, baseFrom: 'same tree' };
  }
  throw new TemplateUpdateError(
    `Cannot tell which template commit this fork was made from (${MANIFEST} records none, and its history shares none with the template); pass --base <template commit>.`,
  );
}

/** Bring the template's changes into the fork at `options.root` (see the file's comment). */
export async function updateFromTemplate(options: UpdateOptions): Promise<UpdateReport> {
  const { root } = options;
  const git = gitIn(root);
  if (git.run('status', '--porcelain'))
    throw new TemplateUpdateError(
      'The working tree has uncommitted changes; commit or stash them first, so that `git checkout .` can undo the update.',
    );
  const recorded = readManifest(root).template;
  const from = options.from ?? recorded.source;
  if (!from)
    throw new TemplateUpdateError(
      `${MANIFEST} names no template source; pass --from <git URL or path> (it is then recorded).`,
    );
  const source = /^[a-z][a-z0-9+.-]*:|^[^/]*@/i.test(from) ? from : path.resolve(root, from);
  const fetched = git.tryRun('fetch', '--quiet', '--no-tags', source, options.to ?? 'HEAD');
  if (fetched === undefined)
    throw new TemplateUpdateError(`git fetch ${source} ${options.to ?? 'HEAD'} failed.`);
  const target = git.run('rev-parse', 'FETCH_HEAD^{commit}');
  const { base, baseFrom } = findBase(git, options, recorded.base, target);
  if (!git.isAncestor(base, target))
    throw new TemplateUpdateError(
      `The fork stands on ${base.slice(0, 12)}, which ${options.to ?? 'the template'} (${target.slice(0, 12)}) does not follow; an update only goes forward.`,
    );

  const report: UpdateReport = {
    base,
    target,
    baseFrom,
    updated: [],
    merged: [],
    added: [],
    removed: [],
    conflicts: [],
    leftAlone: [],
    migrations: [],
    followUps: [],
  };
  const changes = changesBetween(git, base, target);
  // The manifest first: its lists (merged with the fork's own entries) decide the rest.
  const manifestChange = changes.find((c) => c.file === MANIFEST);
  if (manifestChange) mergeFile(git, root, manifestChange, base, target, report);
  const manifest = readManifest(root);
  const examples = manifest.examples.filter((entry) => entry.startsWith('services/'));
  // Removed (remove:examples) when git tracks nothing of the example services any more.
  const examplesRemoved = !examples.length || !git.run('ls-files', '--', ...examples);

  for (const change of changes) {
    if (change === manifestChange) continue;
    const paths = [change.file, ...(change.from ? [change.from] : [])];
    if (paths.some((p) => listed(manifest.generated, p))) continue; // rebuilt below
    if (paths.some((p) => listed(manifest.fork, p))) {
      report.leftAlone.push({ file: change.file, why: `the fork's (${MANIFEST})` });
      continue;
    }
    if (examplesRemoved && paths.some((p) => listed(manifest.examples, p))) {
      report.leftAlone.push({ file: change.file, why: 'example, removed from this fork' });
      continue;
    }
    mergeFile(git, root, change, base, target, report);
  }

  if (options.install !== false && changes.some((c) => /^package(-lock)?\.json$/.test(c.file)))
    install(root, report);
  await runMigrations(root, changes, report);
  regenerate(root, report);
  recordTemplate(root, { source: from, base: target });
  format(root, [MANIFEST]);
  return report;
}

/** One changed path: brought, merged, or marked as a conflict (see docs/template.md). */
function mergeFile(
  git: Git,
  root: string,
  change: Change,
  base: string,
  target: string,
  report: UpdateReport,
): void {
  const at = (file: string) => path.join(root, file);
  const read = (file: string) => (existsSync(at(file)) ? readFileSync(at(file)) : undefined);
  const write = (file: string, bytes: Buffer) => {
    mkdirSync(path.dirname(at(file)), { recursive: true });
    writeFileSync(at(file), bytes);
    if (git.mode(target, file) === '100755') chmodSync(at(file), 0o755);
  };
  const { file } = change;
  const before = git.show(base, change.from ?? file);
  const now = git.show(target, file);
  const ours = read(change.from ?? file);

  if (change.status === 'D') {
    if (!ours) return;
    if (before && ours.equals(before)) {
      rmSync(at(file));
      report.removed.push(file);
    } else
      report.conflicts.push({ file, why: 'the template deleted it; this fork changed it (kept)' });
    return;
  }
  if (!now) throw new TemplateUpdateError(`git has no ${file} at ${target}`);
  if (!ours) {
    if (change.status === 'A') {
      write(file, now);
      report.added.push(file);
    } else report.leftAlone.push({ file, why: `this fork deleted ${change.from ?? file}` });
    return;
  }
  const moved = change.status === 'R' && change.from !== file;
  const finish = (bytes: Buffer, list: string[]) => {
    write(file, bytes);
    if (moved) rmSync(at(change.from as string));
    list.push(moved ? `${change.from} → ${file}` : file);
  };
  if (ours.equals(now)) {
    if (moved) finish(now, report.updated);
    return;
  }
  if (before && ours.equals(before)) {
    finish(now, report.updated);
    return;
  }
  // Both changed it (or both added it): git's three-way merge, an empty base for an add.
  const merged = mergeThreeWay(ours, before ?? Buffer.alloc(0), now, file);
  finish(merged.text, merged.conflicts ? [] : report.merged);
  if (merged.conflicts)
    report.conflicts.push({
      file,
      why: before
        ? `${merged.conflicts} conflicting change${merged.conflicts > 1 ? 's' : ''} marked`
        : 'the template added a file this fork has too: both versions marked',
    });
}

/** Migrations the template added since the base, in name order (their names start with a date). */
async function runMigrations(root: string, changes: Change[], report: UpdateReport) {
  const added = changes
    .filter((c) => c.status === 'A' && c.file.startsWith(MIGRATIONS))
    .map((c) => c.file)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .sort();
  for (const file of added) {
    const name = path.basename(file, '.ts');
    if (!existsSync(path.join(root, file))) {
      report.followUps.push(`migration ${name} was not brought (see above)`);
      continue;
    }
    const migration = (await import(pathToFileURL(path.join(root, file)).href)) as Migration;
    report.migrations.push({
      name,
      description: migration.description,
      changed: migration.migrate(root),
    });
  }
}

/** The generated documents, rebuilt by the fork's own (just updated) generators. */
function regenerate(root: string, report: UpdateReport) {
  for (const [document, script] of [
    ['asyncapi', 'scripts/generate-events.ts'],
    ['openapi', 'scripts/generate-openapi.ts'],
  ] as const) {
    if (!existsSync(path.join(root, script))) continue;
    try {
      execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), [script], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
      report.followUps.push(
        `npm run ${document} failed (run it once the conflicts are resolved): ${stderr.split('\n')[0]}`,
      );
    }
  }
}

/** package.json or its lock changed: install, so the lock follows the merged package.json. */
function install(root: string, report: UpdateReport) {
  const lockConflict = report.conflicts.findIndex((c) => c.file === 'package-lock.json');
  if (report.conflicts.some((c) => c.file === 'package.json')) {
    report.followUps.push('npm install, once package.json is resolved');
    return;
  }
  if (lockConflict >= 0) {
    // A lock is not merged by hand: the template's, then npm adds what the fork's package.json needs.
    execFileSync('git', ['checkout', 'FETCH_HEAD', '--', 'package-lock.json'], { cwd: root });
    report.conflicts.splice(lockConflict, 1);
  }
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

/** Leave what this wrote as `npm run lint` wants it, where the fork has Biome. */
function format(root: string, files: string[]) {
  const biome = path.join(root, 'node_modules', '.bin', 'biome');
  if (existsSync(biome))
    execFileSync(biome, ['format', '--write', ...files], { cwd: root, stdio: 'ignore' });
}
