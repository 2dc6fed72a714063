// The few git plumbing calls template:update needs, in one repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type Git = ReturnType<typeof gitIn>;

export function gitIn(root: string) {
  const run = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }).trim();
  const tryRun = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : undefined;
  };
  return {
    run,
    tryRun,
    /** A file's bytes at a commit, or undefined when it has none there. */
    show: (commit: string, file: string): Buffer | undefined => {
      const result = spawnSync('git', ['show', `${commit}:${file}`], { cwd: root });
      return result.status === 0 ? result.stdout : undefined;
    },
    /** The mode git records for a file at a commit (100755 for an executable). */
    mode: (commit: string, file: string) => run('ls-tree', commit, '--', file).split(' ')[0],
    isAncestor: (ancestor: string, of: string) =>
      spawnSync('git', ['merge-base', '--is-ancestor', ancestor, of], { cwd: root }).status === 0,
  };
}

/**
 * git merge-file on three versions: the merged text and how many conflicts it marked (the fork's
 * side first, as `git merge` shows ours).
 */
export function mergeThreeWay(
  fork: Buffer,
  base: Buffer,
  template: Buffer,
  file: string,
): { text: Buffer; conflicts: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'template-merge-'));
  try {
    const [ours, ancestor, theirs] = ['fork', 'base', 'template'].map((name) =>
      path.join(dir, name),
    ) as [string, string, string];
    writeFileSync(ours, fork);
    writeFileSync(ancestor, base);
    writeFileSync(theirs, template);
    const result = spawnSync(
      'git',
      [
        'merge-file',
        '--stdout',
        '-L',
        `${file} (this fork)`,
        '-L',
        `${file} (template, before)`,
        '-L',
        `${file} (template, now)`,
        ours,
        ancestor,
        theirs,
      ],
      { maxBuffer: 256 * 2 ** 20 },
    );
    if (result.status === null || result.status < 0 || result.status > 127)
      throw new Error(`git merge-file failed on ${file}: ${result.stderr}`);
    return { text: result.stdout, conflicts: result.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
