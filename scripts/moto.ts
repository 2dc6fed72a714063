#!/usr/bin/env tsx
// `npm run test:integration:moto`: the integration tier against a second, independent emulator —
// moto server (pinned, installed into .tools/moto), started on a free local port for this run
// and stopped after it. The tests see nothing but AWS_ENDPOINT_URL. Moto runs no Lambdas without
// Docker, so the e2e and chaos tiers stay on MiniStack. `npm run test:iam` starts it through
// startMotoServer too, with IAM enforced.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

// moto_server answers every request on a thread of its own and its models take no lock: two
// conditional PutItems on one key could both pass (a duplicate handled twice, 1 run in ~8).
// This launcher serves one request at a time — every model change is atomic, as on AWS — and
// lets only a ReceiveMessage long poll wait outside that lock, so a send can wake it.
// With MOTO_IAM_RESOURCES set, it also tells moto's IAM check which resource an SNS, DynamoDB
// or SSM action names: moto 5.2.5 resolves it for SQS only and checks every other action
// against "*", which no statement scoped to an ARN allows.
const LAUNCHER = `
import json, os, sys, threading
import moto.server as server
from moto.sqs.models import Queue

serial = threading.Lock()

class SerialApplication(server.DomainDispatcherApplication):
    def __call__(self, environ, start_response):
        with serial:
            return super().__call__(environ, start_response)

server.DomainDispatcherApplication = SerialApplication

wait_for_messages = Queue.wait_for_messages
def wait_outside_lock(self, timeout):
    serial.release()
    try:
        wait_for_messages(self, timeout)
    finally:
        serial.acquire()
Queue.wait_for_messages = wait_outside_lock

if os.environ.get("MOTO_IAM_RESOURCES"):
    from moto.dynamodb.responses import DynamoHandler
    from moto.sns.responses import SNSResponse
    from moto.ssm.responses import SimpleSystemManagerResponse

    def param(response, name):
        values = response.querystring.get(name)
        if values:
            return values[0]
        try:
            return json.loads(response.body or "{}").get(name)
        except Exception:
            return None

    def arn(response, service, resource):
        return f"arn:aws:{service}:{response.region}:{response.current_account}:{resource}"

    def sns_resource(self):
        return param(self, "TopicArn") or param(self, "TargetArn") or "*"

    def dynamodb_resource(self):
        table = param(self, "TableName")
        return arn(self, "dynamodb", f"table/{table}") if table else "*"

    def ssm_resource(self):
        name = param(self, "Name") or param(self, "Path")
        return arn(self, "ssm", f"parameter/{name.lstrip('/')}") if name else "*"

    SNSResponse._determine_resource = sns_resource
    DynamoHandler._determine_resource = dynamodb_resource
    SimpleSystemManagerResponse._determine_resource = ssm_resource

server.main(sys.argv[1:])
`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface MotoServer {
  endpoint: string;
  log: string;
  stop: () => void;
}

/**
 * moto server on a free 127.0.0.1 port, serving one request at a time, healthy when this
 * resolves; stopped with stop() or when this process exits. `iam`: resolve the resources of SNS,
 * DynamoDB and SSM actions for IAM checks (enforcement itself starts with /moto-api/reset-auth).
 */
export async function startMotoServer({
  iam = false,
  log: logLine = console.log,
}: {
  iam?: boolean;
  log?: (line: string) => void;
} = {}): Promise<MotoServer> {
  const { isHealthy } = await import('./emulator/emulator.ts'); // its AWS SDK only past --help
  const bin = ensurePythonPackages(venv, [MOTO], logLine);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = path.join(venv, `moto-${iam ? 'iam' : 'integration'}.log`);
  const moto: ChildProcess = spawn(
    path.join(bin, 'python'),
    ['-c', LAUNCHER, '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', openSync(log, 'w'), openSync(log, 'a')],
      env: { ...process.env, ...(iam ? { MOTO_IAM_RESOURCES: '1' } : {}) },
    },
  );
  const stop = () => {
    if (moto.exitCode === null) moto.kill();
  };
  process.on('exit', stop);

  const deadline = Date.now() + 60_000;
  while (!(await isHealthy(endpoint))) {
    if (moto.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`moto server did not answer at ${endpoint}; see ${log}.`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  logLine(`moto server ${MOTO.split('==')[1]} at ${endpoint} (one request at a time)`);
  return { endpoint, log, stop };
}

async function main(): Promise<number> {
  // After `--` parseArgs hands everything over as positionals: vitest's options pass through.
  const { positionals: vitestArgs } = parseCli(cli);
  const moto = await startMotoServer();
  const tests = spawnSync(
    path.join(root, 'node_modules', '.bin', 'vitest'),
    ['run', '--project', 'integration', ...vitestArgs],
    { cwd: root, stdio: 'inherit', env: { ...process.env, AWS_ENDPOINT_URL: moto.endpoint } },
  );
  moto.stop();
  return tests.status ?? 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runMain(cli, main);
