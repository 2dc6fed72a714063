import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Python tools that cannot share one venv (checkov's pins conflict with MiniStack's) get one each. */
export class PythonMissingError extends Error {
  override name = 'PythonMissingError';
}

/**
 * The first Python on PATH that is 3.10 or newer — or, with `only`, one of exactly these minor
 * versions (pins resolved for them), trying `python3.<minor>` first.
 */
export function findPython({ only }: { only?: number[] } = {}): string | undefined {
  const accepts = only
    ? `sys.version_info[:2] in [${only.map((minor) => `(3, ${minor})`).join(', ')}]`
    : 'sys.version_info >= (3, 10)';
  const candidates = [...(only ?? []).map((minor) => `python3.${minor}`), 'python3', 'python'];
  for (const candidate of candidates) {
    const res = spawnSync(candidate, ['-c', `import sys; print(${accepts} or "")`], {
      encoding: 'utf8',
    });
    if (res.status === 0 && res.stdout.trim()) return candidate;
  }
  return undefined;
}

/**
 * Make sure `venvDir` holds exactly these pinned packages (`name==version`), installing them on
 * first use; a marker file per pin makes later calls free. Returns the venv's `bin` folder.
 */
export function ensurePythonPackages(
  venvDir: string,
  pins: readonly string[],
  log: (line: string) => void = () => {},
): string {
  const bin = path.join(venvDir, 'bin');
  const marker = path.join(venvDir, `.pins-${pins.join('+').replace(/[^\w.+=-]/g, '_')}`);
  if (existsSync(marker)) return bin;
  const python = findPython();
  if (!python) {
    throw new PythonMissingError(
      `Python 3.10 or newer is needed for ${pins.join(', ')}; install it (python3 on PATH).`,
    );
  }
  log(`installing ${pins.join(' ')} into ${venvDir} …`);
  mkdirSync(venvDir, { recursive: true });
  if (!existsSync(path.join(bin, 'python'))) {
    execFileSync(python, ['-m', 'venv', venvDir], { stdio: 'inherit' });
  }
  execFileSync(
    path.join(bin, 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...pins],
    { stdio: 'inherit' },
  );
  writeFileSync(marker, '');
  return bin;
}
