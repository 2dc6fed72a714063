// Every `npm run <x>` that runs a script answers --help with its usage (exit 0) and a bad flag with
// one sentence and the usage (exit 2), never a stack trace. The scripts come from package.json at
// test time, so a fork's own scripts are held to it and removed ones are simply not there.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BOGUS = '--no-such-flag-zz';
// A script that does work before reading its flags (deploys, installs) would take far longer.
const DEADLINE_MS = 25_000;

interface Script {
  name: string;
  /** The script file and any arguments package.json gives it. */
  args: string[];
}

const scripts: Script[] = Object.entries(
  (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts,
).flatMap(([name, command]) => {
  // `tsx scripts/x.ts [args]`; a command line with shell operators is left alone.
  const match = /^tsx\s+(scripts\/\S+\.ts)((?:\s+[^\s&|;<>]+)*)$/.exec(command.trim());
  return match?.[1]
    ? [{ name, args: [match[1], ...(match[2] ?? '').split(/\s+/).filter(Boolean)] }]
    : [];
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // DEBUG=1 makes runMain print stacks. No AWS identity of the developer's reaches the
    // scripts: a fork's script that works before reading its flags would touch nothing real —
    // its AWS calls go to a closed local port with dummy credentials.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => name !== 'DEBUG' && !name.startsWith('AWS_')),
    );
    Object.assign(env, {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'none',
      AWS_SECRET_ACCESS_KEY: 'none',
      AWS_REGION: 'us-east-1',
    });
    // As `npm run` does: the project's own node (Node 24) first on PATH for tsx's shebang.
    env.PATH = `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${env.PATH ?? ''}`;
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), args, {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout stops whatever it started
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      stderr += `\n[killed: no answer within ${DEADLINE_MS / 1000} s — does it work before reading its flags?]`;
    }, DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const results = new Map<string, { help: Run; bogus: Run }>();

beforeAll(async () => {
  // All at once: each run is mostly tsx's start-up, so together they take a few seconds.
  await Promise.all(
    scripts.map(async ({ name, args }) => {
      const [help, bogus] = await Promise.all([run([...args, '--help']), run([...args, BOGUS])]);
      results.set(name, { help, bogus });
    }),
  );
}, 60_000);

const stackLine = /^\s+at /m;

describe('every npm script run by tsx', () => {
  it('is found in package.json', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });

  describe.each(scripts)('npm run $name', ({ name }) => {
    it('answers --help with its usage on stdout and exit 0', () => {
      const { help } = results.get(name) as { help: Run };
      expect(help.stderr).not.toMatch(stackLine);
      expect(help.stdout.startsWith(`usage: npm run ${name}`), help.stdout + help.stderr).toBe(
        true,
      );
      expect(help.code).toBe(0);
    });

    it(`answers ${BOGUS} with one sentence, then the usage, on stderr and exit 2`, () => {
      const { bogus } = results.get(name) as { bogus: Run };
      expect(bogus.stderr).not.toMatch(stackLine);
      const [sentence = '', ...usage] = bogus.stderr.split('\n');
      expect(sentence, bogus.stderr).toMatch(/^\S.*\.$/);
      expect(sentence).toContain(BOGUS);
      expect(usage.join('\n').startsWith(`usage: npm run ${name}`), bogus.stderr).toBe(true);
      expect(bogus.stdout).toBe('');
      expect(bogus.code).toBe(2);
    });
  });
});
