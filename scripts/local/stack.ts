import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { startEmulator } from '../emulator/emulator.ts';
import {
  applyLocalAwsEnv,
  LOCAL_WEBHOOK,
  LOCAL_WEBHOOK_URL,
  localAwsEnv,
} from '../emulator/local-env.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The service name, read from serverless.yml (its one definition). */
export function serviceName(): string {
  const match = /^service:\s*([\w-]+)/m.exec(
    readFileSync(path.join(root, 'serverless.yml'), 'utf8'),
  );
  if (!match?.[1]) throw new Error('serverless.yml has no `service:` line');
  return match[1];
}

export const stackName = (stage: string) => `${serviceName()}-${stage}`;

/**
 * A script's AWS failure, in one sentence when the cause is that no emulator answers at the
 * endpoint (the SDK's connection error says only `ECONNREFUSED`).
 */
export function explainAwsError(error: unknown): Error {
  const code = (error as { code?: string } | undefined)?.code;
  if ((code === 'ECONNREFUSED' || code === 'ECONNRESET') && process.env.AWS_ENDPOINT_URL) {
    return new Error(
      `No emulator answers at ${process.env.AWS_ENDPOINT_URL}: start one with \`npm run emulator -- start\` (or \`npm run deploy:local\`, which also deploys the stack).`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The SSM parameter holding a stage's local webhook secret (the notifier reads the same one). */
export const localWebhookSecretName = (stage = 'local', target: string = LOCAL_WEBHOOK.name) =>
  `/${serviceName()}/${stage}/webhooks/${target}`;

/**
 * A local webhook target's Standard Webhooks secret for an emulator stage (by default the
 * `local` target's). Its one source of
 * truth is the emulator's SSM parameter the deployed notifier reads: created once (random) by
 * whoever needs it first and never overwritten, so every checkout sharing the emulator, and a
 * checkout after `git clean`, signs and verifies with the same secret. No secret is ever on disk.
 */
export async function localWebhookSecret(
  stage = 'local',
  target: string = LOCAL_WEBHOOK.name,
): Promise<string> {
  applyLocalAwsEnv();
  const ssm = new SSMClient({});
  const Name = localWebhookSecretName(stage, target);
  const read = async () =>
    (await ssm.send(new GetParameterCommand({ Name, WithDecryption: true }))).Parameter?.Value;
  try {
    try {
      const existing = await read();
      if (existing) return existing;
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
    const Value = `whsec_${randomBytes(24).toString('base64')}`;
    try {
      await ssm.send(new PutParameterCommand({ Name, Value, Type: 'SecureString' }));
      return Value;
    } catch (error) {
      if (!(error instanceof ParameterAlreadyExists)) throw error;
      return (await read()) ?? Value; // another checkout created it a moment ago
    }
  } catch (error) {
    throw explainAwsError(error);
  }
}

export interface StackOutputs {
  stage: string;
  /** The HTTP API's base URL; undefined when the stack has no HTTP functions. */
  apiUrl?: string;
  eventsTopicArn: string;
  /**
   * Each consumer's DLQ URL by service name, from its `<Name>DeadLetterQueueUrl` output; a
   * table's outbox relay's as `<table>-outbox` (`<Table>OutboxDeadLetterQueueUrl`).
   */
  deadLetterQueues: Record<string, string>;
  /** Which of those are outbox relays' (their letters point at stream records, not events). */
  outboxDeadLetterQueues: string[];
  /** The names of the tables with an outbox (custom.tables, `outbox: true`). */
  outboxTables: string[];
}

const DLQ_OUTPUT = /^([A-Z][A-Za-z0-9]*)DeadLetterQueueUrl$/;
/** `FraudCheck` → `fraud-check`: the service name a consumer's logical ids were made from. */
const serviceOf = (id: string) =>
  id.replace(/[A-Z]/g, (c, i) => `${i ? '-' : ''}${c.toLowerCase()}`);

/** Read what the deployed stack exposes. On an emulator the API is reached through its endpoint. */
export async function stackOutputs(stage = 'local'): Promise<StackOutputs> {
  const cfn = new CloudFormationClient({});
  const { Stacks } = await cfn
    .send(new DescribeStacksCommand({ StackName: stackName(stage) }))
    .catch((error: unknown) => {
      const explained = explainAwsError(error);
      if (explained !== error) throw explained;
      throw new Error(
        `Cannot find the ${stage} stack (${explained.message}); deploy it first (${stage === 'local' ? 'npm run deploy:local' : `npx serverless deploy --stage ${stage}`}).`,
      );
    });
  const outputs = Object.fromEntries(
    (Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
  const need = (key: string): string => {
    const value = outputs[key];
    if (!value)
      throw new Error(
        `Stack ${stackName(stage)} has no output ${key}; deploy it first (npm run deploy:local)`,
      );
    return value;
  };
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const apiId = outputs.HttpApiId;
  const deadLetterQueues: Record<string, string> = {};
  const outboxDeadLetterQueues: string[] = [];
  const outboxTables: string[] = [];
  for (const [key, value] of Object.entries(outputs)) {
    const match = DLQ_OUTPUT.exec(key);
    if (!match?.[1]) continue;
    deadLetterQueues[serviceOf(match[1])] = value;
    if (!match[1].endsWith('Outbox')) continue;
    outboxDeadLetterQueues.push(serviceOf(match[1]));
    const table = outputs[`${match[1].replace(/Outbox$/, '')}TableName`];
    if (table) outboxTables.push(table);
  }
  return {
    stage,
    apiUrl: !apiId
      ? undefined
      : endpoint
        ? `${endpoint.replace(/\/$/, '')}/_aws/execute-api/${apiId}`
        : need('HttpApiUrl'),
    eventsTopicArn: need('EventsTopicArn'),
    deadLetterQueues,
    outboxDeadLetterQueues,
    outboxTables,
  };
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  quiet: boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(command, args, { cwd: root, env, stdio: quiet ? 'pipe' : 'inherit' });
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${output}`)),
    );
  });
}

/** Where an emulator stage's notifier reads its webhook targets (serverless.yml says the same). */
export const localWebhookTargetsName = (stage = 'local') =>
  `/${serviceName()}/${stage}/webhook-targets`;

/** Set an emulator stage's webhook targets (a JSON list of {name, url} in SSM, as on AWS). */
export async function putLocalWebhookTargets(
  stage: string,
  targets: Array<{ name: string; url: string }>,
): Promise<void> {
  applyLocalAwsEnv();
  await new SSMClient({}).send(
    new PutParameterCommand({
      Name: localWebhookTargetsName(stage),
      Value: JSON.stringify(targets),
      Type: 'String',
      Overwrite: true,
    }),
  );
}

export interface LocalDeployOptions {
  quiet?: boolean;
  /** An emulator stage: `local` (default), or `chaos` for the fault-injection run. */
  stage?: string;
  /** Where the stage's notifier sends webhooks (default: the local receiver, 127.0.0.1:4599). */
  webhookUrl?: string;
  /**
   * Local stages only: the AWS endpoint the deployed functions call instead of the emulator's
   * (the chaos run's fault-injecting proxy). Applied by scripts/serverless/local-faults.ts.
   */
  functionsAwsEndpoint?: string;
  /** Stage params set on the command line (`key=value`), over serverless.yml's. */
  params?: string[];
}

/**
 * `serverless deploy --stage local` into the emulator: the same serverless.yml and the same
 * CloudFormation path as a real deployment. Local-only settings (endpoint, dummy credentials,
 * the local webhook target and its secret) are applied here and nowhere else.
 */
export async function deployLocalStack({
  quiet = false,
  stage = 'local',
  webhookUrl = LOCAL_WEBHOOK_URL,
  functionsAwsEndpoint,
  params = [],
}: LocalDeployOptions = {}): Promise<StackOutputs> {
  await startEmulator((line) => quiet || console.log(line));
  applyLocalAwsEnv();
  await localWebhookSecret(stage); // created if this emulator has none yet, never replaced
  await putLocalWebhookTargets(stage, [{ name: LOCAL_WEBHOOK.name, url: webhookUrl }]);
  const env: NodeJS.ProcessEnv = { ...process.env, ...localAwsEnv() };
  if (functionsAwsEndpoint) env.LOCAL_FUNCTIONS_AWS_ENDPOINT = functionsAwsEndpoint;
  else delete env.LOCAL_FUNCTIONS_AWS_ENDPOINT;
  await runServerless(['deploy', '--stage', stage, ...params.map((p) => `--param=${p}`)], {
    env,
    quiet,
  });
  return stackOutputs(stage);
}

/** `serverless <args>` from this checkout, its output shown, or kept for the error when quiet. */
export function runServerless(
  args: string[],
  { env = process.env, quiet = false }: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): Promise<void> {
  return run(path.join(root, 'node_modules', '.bin', 'serverless'), args, env, quiet);
}
