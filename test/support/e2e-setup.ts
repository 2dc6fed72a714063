import type { TestProject } from 'vitest/node';
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

// Deploys the stack into the emulator once per run (the root global setup started the emulator).
export default async function setup(project: TestProject) {
  const started = Date.now();
  const stack = await deployLocalStack({ quiet: true });
  console.log(
    `[e2e] deployed stage "${stack.stage}" in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  project.provide('stack', stack);
  project.provide('webhookSecret', localWebhookSecret());
}
