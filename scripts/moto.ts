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
import { parseCli, runMain } from './lib/cli.ts';
import { ensurePythonPackages } from './lib/python-venv.ts';
import { pinsOf } from './lib/tool-pins.ts';

export const MOTO = pinsOf('moto.txt')[0] ?? 'moto[server]';

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
// With MOTO_IAM_RESOURCES set (npm run test:iam), it also makes moto's IAM check judge what AWS
// judges: moto 5.2.5 resolves the resource of SQS actions only (not even GetQueueUrl's) and checks
// every other action against "*", which no statement scoped to an ARN allows; it asks batch calls
// for their own action where AWS asks for the single one; it refuses JSON-protocol calls in XML.
// MOTO_IAM_AUDIT: a file that gets one JSON line per decision (principal, action, resource,
// allowed).
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
    from moto.iam.access_control import IAMRequestBase
    from moto.sns.responses import SNSResponse
    from moto.sqs.responses import SQSResponse
    from moto.ssm.responses import SimpleSystemManagerResponse

    def param(response, name):
        values = response.querystring.get(name)
        if values:
            return values[0]
        body = response.body
        try:
            return (body if isinstance(body, dict) else json.loads(body or "{}")).get(name)
        except Exception:
            return None

    def arn(response, service, resource, account=None):
        account = account or response.current_account
        return f"arn:aws:{service}:{response.region}:{account}:{resource}"

    def sns_resource(self):
        return param(self, "TopicArn") or param(self, "TargetArn") or "*"

    def dynamodb_resource(self):
        table = param(self, "TableName")
        return arn(self, "dynamodb", f"table/{table}") if table else "*"

    def ssm_resource(self):
        name = param(self, "Name") or param(self, "Path")
        return arn(self, "ssm", f"parameter/{name.lstrip('/')}") if name else "*"

    sqs_queue_resource = SQSResponse._determine_resource
    def sqs_resource(self):
        # GetQueueUrl names its queue by QueueName, not QueueUrl.
        resource = sqs_queue_resource(self)
        name = param(self, "QueueName")
        if resource == "*" and name:
            return arn(self, "sqs", name, param(self, "QueueOwnerAWSAccountId"))
        return resource

    SNSResponse._determine_resource = sns_resource
    DynamoHandler._determine_resource = dynamodb_resource
    SimpleSystemManagerResponse._determine_resource = ssm_resource
    SQSResponse._determine_resource = sqs_resource

    # AWS authorises a batch call with its single action's permission; moto asks for the batch
    # action itself. And with MOTO_IAM_AUDIT, one JSON line per decision: who, what, on what.
    SINGLE = {
        "sqs:SendMessageBatch": "sqs:SendMessage",
        "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
        "sns:PublishBatch": "sns:Publish",
    }
    check_action_permitted = IAMRequestBase.check_action_permitted
    def audited_check(self, resource):
        self._action = SINGLE.get(self._action, self._action)
        allowed = False
        try:
            check_action_permitted(self, resource)
            allowed = True
        finally:
            audit = os.environ.get("MOTO_IAM_AUDIT")
            if audit:
                with open(audit, "a") as out:
                    decision = {"principal": self._access_key.arn, "action": self._action,
                                "resource": resource, "allowed": allowed}
                    out.write(json.dumps(decision) + "\\n")
    IAMRequestBase.check_action_permitted = audited_check

    # A refusal of a JSON-protocol call (SQS, DynamoDB, SSM) comes back in IAM's XML, which the
    # SDK cannot parse (a SyntaxError instead of the error AWS sends): answer in JSON, as AWS does.
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import JsonRESTError, _RESTError
    JSON_CODES = {
        "AccessDenied": "AccessDeniedException",
        "InvalidClientTokenId": "UnrecognizedClientException",
        "SignatureDoesNotMatch": "InvalidSignatureException",
    }
    authenticate = ActionAuthenticatorMixin._authenticate_and_authorize_action
    def authenticate_in_protocol(self, *args, **kwargs):
        try:
            return authenticate(self, *args, **kwargs)
        except _RESTError as error:
            json_request = "amz-json" in (self.headers.get("Content-Type") or "")
            if not json_request or error.error_type not in JSON_CODES:
                raise
            refusal = JsonRESTError(JSON_CODES[error.error_type], error.message)
            refusal.code = error.code
            raise refusal
    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_in_protocol

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
 * resolves; stopped with stop() or when this process exits. `iam`: IAM checks as AWS makes them,
 * each decision appended to `iam.audit` (enforcement itself starts with /moto-api/reset-auth).
 */
export async function startMotoServer({
  iam,
  log: logLine = console.log,
}: {
  iam?: { audit?: string };
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
      env: {
        ...process.env,
        ...(iam ? { MOTO_IAM_RESOURCES: '1', MOTO_IAM_AUDIT: iam.audit ?? '' } : {}),
      },
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
