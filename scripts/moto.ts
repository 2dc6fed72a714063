#!/usr/bin/env tsx
// `npm run test:integration:moto`: the integration tier against a second, independent emulator —
// moto server (pinned, installed into .tools/moto), started on a free local port for this run
// and stopped after it. The tests see nothing but AWS_ENDPOINT_URL. Moto runs no Lambdas without
// Docker, so the e2e and chaos tiers stay on MiniStack.
import { spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain } from './cli.ts';
import { ensurePythonPackages } from './python-venv.ts';

export const MOTO = 'moto[server]==5.2.5';

const cli = {
  usage: `usage: npm run test:integration:moto -- [filter…] [-- vitest option…]
Runs the integration tier against moto server ${MOTO.split('==')[1]} (installed into .tools/moto on first
use; needs Python 3.10+), started on a free port for this run and stopped after it.
  filter…            run only the test files whose path contains one of these
  -- vitest option…  after a second --, passed to vitest as it is (e.g. -- --reporter=dot)
  --help             this text`,
  allowPositionals: true,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venv = path.join(root, '.tools', 'moto');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function main(): Promise<number> {
  // After `--` parseArgs hands everything over as positionals: vitest's options pass through.
  const { positionals: vitestArgs } = parseCli(cli);
  const { isHealthy } = await import('./emulator/emulator.ts'); // its AWS SDK only past --help
  const bin = ensurePythonPackages(venv, [MOTO], console.log);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = path.join(venv, 'moto.log');
  const moto = spawn(path.join(bin, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', openSync(log, 'w'), openSync(log, 'a')],
  });
  const stop = () => moto.exitCode === null && moto.kill();
  process.on('exit', stop);

  const deadline = Date.now() + 60_000;
  while (!(await isHealthy(endpoint))) {
    if (moto.exitCode !== null || Date.now() > deadline)
      throw new Error(`moto server did not answer at ${endpoint}; see ${log}.`);
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`moto server ${MOTO.split('==')[1]} at ${endpoint}`);

  const tests = spawnSync(
    path.join(root, 'node_modules', '.bin', 'vitest'),
    ['run', '--project', 'integration', ...vitestArgs],
    { cwd: root, stdio: 'inherit', env: { ...process.env, AWS_ENDPOINT_URL: endpoint } },
  );
  stop();
  return tests.status ?? 1;
}

runMain(cli, main);
