import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/**
 * A throw-away copy of this checkout (tracked and new files, no git-ignored ones) sharing its
 * node_modules, its emulator's venv and its pinned tools (all git-ignored and slow to install),
 * for tests that run a generator and check the result, and for `npm run test:fork`.
 */
export function copyRepository() {
  const dir = mkdtempSync(path.join(tmpdir(), 'fork-'));
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
    .split('\0')
    .filter((file) => file && existsSync(path.join(root, file)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(dir, file), { force: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  for (const installed of ['.emulator/venv', '.tools']) {
    if (!existsSync(path.join(root, installed))) continue;
    mkdirSync(path.dirname(path.join(dir, installed)), { recursive: true });
    symlinkSync(path.join(root, installed), path.join(dir, installed));
  }
  const bin = path.join(dir, 'node_modules', '.bin');
  const run = (tool: string, args: string[]) =>
    spawnSync(path.join(bin, tool), args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    });
  return {
    dir,
    /** Run a tool of node_modules/.bin in the copy, with the project's Node first on PATH. */
    run,
    /** `serverless package` in the copy; the CloudFormation resources it generated. */
    // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
    packagedResources: (stage = 'dev'): Record<string, any> => {
      const out = path.join(dir, '.serverless'); // git-ignored, so lint skips it
      const pack = run('serverless', ['package', '--stage', stage, '--package', out]);
      if (pack.status !== 0)
        throw new Error(`serverless package failed:\n${pack.stdout}${pack.stderr}`);
      return JSON.parse(
        readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
      ).Resources;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
