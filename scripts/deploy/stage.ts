// What `npm run deploy:stage` does to one stage: deploy it, run the e2e tier against it, remove
// it — on the emulator (started if needed), or on AWS with the shell's credentials. The deploy
// workflow (.github/workflows/deploy.yml) runs the same three steps on AWS for a pull request's
// preview stage `pr-<number>`; locally they run against the emulator, and
// test/tools/deploy-stage.test.ts runs them there.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startEmulator } from '../emulator/emulator.ts';
import { applyLocalAwsEnv, localAwsEnv } from '../emulator/local-env.ts';
import {
  deployLocalStack,
  localWebhookSecretName,
  localWebhookTargetsName,
  runServerless,
  type StackOutputs,
  stackOutputs,
} from '../local/stack.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Target = 'emulator' | 'aws';

/**
 * What any stage needs on the emulator beyond serverless.yml's defaults (its emulator stages say
 * the same under `params`): the local webhook receiver speaks plain http.
 */
export const EMULATOR_STAGE_PARAMS = ['webhookAllowHttp=true', 'logLevel=DEBUG'];

/** A stage name serverless and every resource name accept: letters, digits and dashes. */
export function checkStageName(stage: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(stage))
    return `Stage "${stage}" must start with a letter and hold only letters, digits and dashes.`;
  return undefined;
}

/** On AWS the region is the shell's (AWS_REGION, as the SDK reads it), not serverless.yml's default. */
const awsStage = (stage: string) => [
  '--stage',
  stage,
  ...(process.env.AWS_REGION ? ['--region', process.env.AWS_REGION] : []),
];

export async function deployStage(
  stage: string,
  target: Target,
  params: string[] = [],
): Promise<StackOutputs> {
  if (target === 'emulator')
    return deployLocalStack({ stage, params: [...EMULATOR_STAGE_PARAMS, ...params] });
  await runServerless(['deploy', ...awsStage(stage), ...params.map((p) => `--param=${p}`)]);
  return stackOutputs(stage);
}

/** `serverless remove`; on the emulator also the stage's local webhook target and secret. */
export async function removeStage(stage: string, target: Target): Promise<void> {
  if (target === 'aws') return runServerless(['remove', ...awsStage(stage)]);
  await startEmulator(() => {});
  applyLocalAwsEnv();
  await runServerless(['remove', '--stage', stage], { env: { ...process.env, ...localAwsEnv() } });
  await new SSMClient({}).send(
    new DeleteParametersCommand({
      Names: [localWebhookSecretName(stage), localWebhookTargetsName(stage)],
    }),
  );
}

/**
 * The e2e tier against the deployed stage (test/support/global-setup.ts reads E2E_STAGE and
 * deploys nothing). On AWS it runs the files that need only the stage itself (vitest.config.ts,
 * E2E_TARGET). Resolves to vitest's exit status.
 */
export function testStage(stage: string, target: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(root, 'node_modules', '.bin', 'vitest'),
      // A fork whose stage has no HTTP API has no such file to run on AWS.
      ['run', '--project', 'e2e', ...(target === 'aws' ? ['--passWithNoTests'] : [])],
      {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, E2E_STAGE: stage, E2E_TARGET: target },
      },
    );
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
