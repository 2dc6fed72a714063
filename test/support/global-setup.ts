import type { TestProject } from 'vitest/node';
import { startEmulator, stopEmulator } from '../../scripts/emulator/emulator.ts';
import {
  deployLocalStack,
  localWebhookSecret,
  type StackOutputs,
} from '../../scripts/local/stack.ts';

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
 * - e2e: deploy the stack into it with `serverless deploy --stage local`, once.
 */
export default async function setup(project: TestProject) {
  const tiers = new Set(project.vitest.projects.map((p) => p.name));
  if (![...tiers].some((tier) => tier !== 'unit')) return;

  const status = await startEmulator((line) => console.log(`[emulator] ${line}`));
  console.log(
    `[emulator] ${status.startedNow ? 'started' : 'using'} ${status.backend} at ${status.endpoint}`,
  );

  if (tiers.has('e2e')) {
    const started = Date.now();
    const stack = await deployLocalStack({ quiet: true });
    console.log(
      `[e2e] deployed stage "${stack.stage}" in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    project.provide('stack', stack);
    project.provide('webhookSecret', await localWebhookSecret(stack.stage));
  }

  return async () => {
    if (status.startedNow) console.log(`[emulator] ${await stopEmulator()}`);
  };
}
