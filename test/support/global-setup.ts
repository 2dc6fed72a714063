import type { TestProject } from 'vitest/node';
import { startEmulator, stopEmulator } from '../../scripts/emulator/emulator.ts';
import { applyLocalAwsEnv } from '../../scripts/emulator/local-env.ts';
import { describeChecked, type IamObserver, startIamObserver } from '../../scripts/iam/observer.ts';
import { deployedFunctionRoles } from '../../scripts/iam/stack-roles.ts';
import {
  deployLocalStack,
  localWebhookSecret,
  type StackOutputs,
  stackOutputs,
} from '../../scripts/local/stack.ts';
import { SWITCH } from '../../scripts/serverless/local-faults.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackOutputs;
    webhookSecret: string;
  }
}

/**
 * Runs once per `vitest run`, for every tier in it:
 * - integration/e2e: start the emulator when none answers (and stop it afterwards only if we
 *   started it). Without an emulator these tiers fail here, they never skip.
 * - e2e: deploy the stack into it with `serverless deploy --stage local`, once — or, with
 *   E2E_STAGE set (npm run deploy:stage -- <stage> --test), use that stage as it is deployed:
 *   in the emulator, or on AWS when E2E_TARGET=aws (no emulator, no observer).
 * - e2e/tools, which deploy functions: they call AWS through the IAM observer
 *   (scripts/iam/observer.ts), and the run fails at the end if any call it saw would be denied
 *   on AWS by the caller's role in the packaged template. (The integration tier observes the
 *   handlers it runs itself: test/integration/functions-iam.test.ts.)
 */
export default async function setup(project: TestProject) {
  const tiers = new Set(project.vitest.projects.map((p) => p.name));
  // unit and tooling need no emulator.
  if ([...tiers].every((tier) => tier === 'unit' || tier === 'tooling')) return;
  const deployed = process.env.E2E_STAGE;
  if (deployed && process.env.E2E_TARGET === 'aws') {
    project.provide('stack', await stackOutputs(deployed));
    // No webhook reaches this machine from AWS: the files that need one run on the emulator only.
    project.provide('webhookSecret', '');
    return;
  }

  const status = await startEmulator((line) => console.log(`[emulator] ${line}`));
  console.log(
    `[emulator] ${status.startedNow ? 'started' : 'using'} ${status.backend} at ${status.endpoint}`,
  );

  let observer: IamObserver | undefined;
  if (tiers.has('e2e') || tiers.has('tools')) {
    observer = await startIamObserver({
      target: status.endpoint,
      loadRoles: deployedFunctionRoles,
    });
    // Stages the tests deploy themselves (copies with generated services) are observed as well.
    process.env[SWITCH] = observer.url;
  }

  if (tiers.has('e2e') && deployed) {
    console.log(`[e2e] using the deployed stage "${deployed}"`);
    applyLocalAwsEnv(); // this process reads the stack; the tier's env reaches only its workers
    project.provide('stack', await stackOutputs(deployed));
    project.provide('webhookSecret', await localWebhookSecret(deployed));
  } else if (tiers.has('e2e')) {
    const started = Date.now();
    const stack = await deployLocalStack({ quiet: true, functionsAwsEndpoint: observer?.url });
    console.log(
      `[e2e] deployed stage "${stack.stage}" in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    project.provide('stack', stack);
    project.provide('webhookSecret', await localWebhookSecret(stack.stage));
  }

  return async () => {
    try {
      const report = await observer?.assertAllowed();
      if (report)
        console.log(
          `[iam] every call allowed by its role; distinct calls checked: ${describeChecked(report) || 'none'}`,
        );
    } finally {
      await observer?.close();
      if (status.startedNow) console.log(`[emulator] ${await stopEmulator()}`);
    }
  };
}
