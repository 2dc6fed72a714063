#!/usr/bin/env tsx
// `npm run test:integration:localstack`: the integration scenarios that need only SNS, SQS and SSM,
// against LocalStack's own engine (PyPI `localstack-core`, the version docker-compose.yml pins) run
// on the host without Docker: installed into .tools/localstack from the hash-pinned
// scripts/localstack/requirements.txt, started on a free 127.0.0.1 port for this run, stopped
// after it. The tests see nothing but AWS_ENDPOINT_URL.
//
// What cannot run there, and is left out by this script (the other tiers cover it on MiniStack):
// - a test file that uses DynamoDB (today consumer.test.ts, whose fixture consumer keeps its
//   idempotency records and side effect in tables, and calculation-store.test.ts): LocalStack
//   serves DynamoDB only through DynamoDB Local, which is not open source, so it is not used;
// - Lambdas (the e2e and chaos tiers): LocalStack runs functions only in Docker containers.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain, UsageError } from './lib/cli.ts';
import { findPython } from './lib/python-venv.ts';

/** The engine's version, from the pins Renovate updates (scripts/localstack/requirements.in). */
export const LOCALSTACK_VERSION =
  readFileSync(new URL('localstack/requirements.in', import.meta.url), 'utf8').match(
    /^localstack-core\[runtime\]==(\S+)$/m,
  )?.[1] ?? '?';

const cli = {
  usage: `usage: npm run test:integration:localstack -- [filter…] [-- vitest option…]
Runs the integration tests that need only SNS, SQS and SSM against LocalStack ${LOCALSTACK_VERSION}'s engine
without Docker (installed into .tools/localstack on first use; needs Python 3.11 or 3.12), started
on a free port for this run and stopped after it. Tests that use DynamoDB are left out: LocalStack
serves it only through DynamoDB Local, which is not open source.
  filter…            run only the test files whose path contains one of these
  -- vitest option…  after a second --, passed to vitest as it is (e.g. -- --reporter=dot)
  --help             this text`,
  allowPositionals: true,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venv = path.join(root, '.tools', 'localstack');
const requirements = path.join(root, 'scripts', 'localstack', 'requirements.txt');
const testDir = path.join(root, 'test', 'integration');
/** A test file that names DynamoDB (its SDK packages or the helper that creates tables). */
const USES_DYNAMODB = /@aws-sdk\/(?:client|lib)-dynamodb|\bcreateTable\(/;

/**
 * Install the pinned closure (exact versions, hashes checked) on first use; a marker per
 * requirements file's content makes later runs free and a changed pin reinstall.
 */
function ensureLocalStack(): string {
  const bin = path.join(venv, 'bin');
  const digest = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const marker = path.join(venv, `.installed-${digest.slice(0, 16)}`);
  if (existsSync(marker)) return bin;
  // The Pythons the pinned requirements were resolved for and tried with.
  const python = findPython({ only: [11, 12] });
  if (!python)
    throw new Error(
      `LocalStack ${LOCALSTACK_VERSION} needs Python 3.11 or 3.12; install one (python3.11 on PATH).`,
    );
  console.log(`installing localstack-core ${LOCALSTACK_VERSION} into ${venv} …`);
  mkdirSync(venv, { recursive: true });
  if (!existsSync(path.join(bin, 'python')))
    execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(
    path.join(bin, 'python'),
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--require-hashes',
      '-r',
      requirements,
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(marker, '');
  return bin;
}

/** The integration test files to run: those the filters name, minus the DynamoDB ones. */
function testFiles(filters: string[]): string[] {
  const all = readdirSync(testDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join('test', 'integration', file))
    .filter((file) => !filters.length || filters.some((filter) => file.includes(filter)))
    .sort();
  const [dynamo, runnable] = [true, false].map((uses) =>
    all.filter((file) => USES_DYNAMODB.test(readFileSync(path.join(root, file), 'utf8')) === uses),
  ) as [string[], string[]];
  if (dynamo.length)
    console.log(
      `left out, they use DynamoDB (not served without DynamoDB Local): ${dynamo.join(', ')}`,
    );
  if (!runnable.length)
    throw new UsageError(
      `No integration test file that needs only SNS, SQS and SSM matches ${filters.join(', ')}.`,
    );
  return runnable;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function main(): Promise<number> {
  // After `--` parseArgs hands everything over as positionals: the first ones are filters, the
  // rest (after a second `--`) vitest's options.
  const { positionals } = parseCli(cli);
  const args = process.argv.slice(2);
  const afterTerminator = args.includes('--') ? args.length - args.indexOf('--') - 1 : 0;
  const filters = positionals.slice(0, positionals.length - afterTerminator);
  const vitestArgs = positionals.slice(positionals.length - afterTerminator);
  const files = testFiles(filters);
  const { isHealthy } = await import('./emulator/emulator.ts'); // its AWS SDK only past --help
  const bin = ensureLocalStack();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = path.join(venv, 'localstack.log');
  const localstack = spawn(path.join(bin, 'python'), ['-m', 'localstack.runtime.main'], {
    stdio: ['ignore', openSync(log, 'w'), openSync(log, 'a')],
    env: {
      ...process.env,
      SERVICES: 'sns,sqs,ssm', // anything else answers "not enabled" at once
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      // The default (twisted) gateway listens on every interface whatever GATEWAY_LISTEN says.
      GATEWAY_SERVER: 'hypercorn',
      // Queue URLs on the endpoint itself, not on *.localhost.localstack.cloud (public DNS).
      LOCALSTACK_HOST: `127.0.0.1:${port}`,
      SQS_ENDPOINT_STRATEGY: 'path',
      // A host process, even inside a container: its files under .tools, not /var/lib/localstack.
      OVERRIDE_IN_DOCKER: '0',
      FILESYSTEM_ROOT: path.join(venv, 'filesystem'),
      // Nothing beyond 127.0.0.1: no DNS server on port 53, no analytics, no certificate download.
      DNS_ADDRESS: '0',
      DISABLE_EVENTS: '1',
      SKIP_SSL_CERT_DOWNLOAD: '1',
    },
  });
  const stop = () => localstack.exitCode === null && localstack.kill();
  process.on('exit', stop);

  const deadline = Date.now() + 90_000;
  while (!(await isHealthy(endpoint))) {
    if (localstack.exitCode !== null || Date.now() > deadline)
      throw new Error(`LocalStack did not answer at ${endpoint}; see ${log}.`);
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`LocalStack ${LOCALSTACK_VERSION} at ${endpoint}`);

  const tests = spawnSync(
    path.join(root, 'node_modules', '.bin', 'vitest'),
    ['run', '--project', 'integration', ...files, ...vitestArgs],
    { cwd: root, stdio: 'inherit', env: { ...process.env, AWS_ENDPOINT_URL: endpoint } },
  );
  stop();
  return tests.status ?? 1;
}

runMain(cli, main);
