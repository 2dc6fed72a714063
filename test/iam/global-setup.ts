import type { TestProject } from 'vitest/node';
import { deployForIam, type IamStack } from './deploy.ts';
import { readTemplate } from './template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    iamStack: IamStack;
  }
}

/** Once per run: the packaged template's roles and resources in a moto server that enforces IAM. */
export default async function setup(project: TestProject) {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const template = process.env.IAM_TIER_TEMPLATE;
  if (!endpoint || !template)
    throw new Error(
      'The IAM tier needs a fresh moto server and a packaged template: run it with npm run test:iam.',
    );
  project.provide('iamStack', await deployForIam(readTemplate(template), endpoint));
}
