#!/usr/bin/env tsx
// `npm run deploy:bootstrap`: once per AWS account, the stack that lets CI deploy without keys
// (scripts/deploy/bootstrap-template.ts says what it holds). It packages the service offline in
// every shape it deploys in, derives CloudFormation's execution role from their resource types,
// and creates or updates the stack `deploy-access-<service>` with the credentials of the shell
// (an administrator, once). Run it again after adding a resource type to serverless.yml.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCli, runMain, UsageError } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run deploy:bootstrap -- --repository <owner/name> [--oidc-provider-arn <arn>]
       npm run deploy:bootstrap -- --print
Creates or updates the stack deploy-access-<service> in the account and region of the shell's
credentials: GitHub's OIDC provider, the deploy role GitHub Actions assume for this repository's
pull requests and its dev and prod environments, and CloudFormation's execution role, derived from
the resource types the packaged templates contain. Prints the two role ARNs to set in GitHub
(variable AWS_DEPLOY_ROLE_ARN) and as the stage param deploymentRole.
  --repository <owner/name>   the GitHub repository whose workflows may deploy
  --oidc-provider-arn <arn>   the account's GitHub OIDC provider, when it has one already
  --print                     print the template instead of deploying it
  --help                      this text`,
  options: {
    repository: { type: 'string' },
    'oidc-provider-arn': { type: 'string' },
    print: { type: 'boolean' },
  },
} as const;

async function main(): Promise<number> {
  const { values } = parseCli(cli);
  if (!values.print && !values.repository)
    throw new UsageError('--repository <owner/name> is required (or --print).');
  if (values.repository && !/^[\w.-]+\/[\w.-]+$/.test(values.repository))
    throw new UsageError(`--repository ${values.repository}: expected <owner>/<name>.`);
  const { bootstrapStackName, bootstrapTemplate } = await import('./deploy/bootstrap-template.ts');
  const { packageVariant, resourceTypesOf, VARIANTS } = await import(
    './deploy/package-variants.ts'
  );
  const { serviceName } = await import('./local/stack.ts');

  const out = mkdtempSync(path.join(tmpdir(), 'bootstrap-'));
  const types = new Set<string>();
  try {
    for (const variant of VARIANTS) {
      if (!values.print) console.log(`packaging ${variant.name} …`);
      const packed = packageVariant(variant, path.join(out, variant.name));
      if ('failure' in packed) throw new Error(`serverless package failed:\n${packed.failure}`);
      for (const type of resourceTypesOf(packed.template)) types.add(type);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const template = JSON.stringify(await bootstrapTemplate(types), null, 2);
  if (values.print) {
    console.log(template);
    return 0;
  }

  const service = serviceName();
  const { deployStack } = await import('./deploy/deploy-stack.ts');
  const outputs = await deployStack({
    stackName: bootstrapStackName(service),
    template,
    parameters: {
      Service: service,
      GitHubRepository: values.repository as string,
      OidcProviderArn: values['oidc-provider-arn'] ?? '',
    },
    log: console.log,
  });
  console.log(`\nGitHub → Settings → Variables: AWS_DEPLOY_ROLE_ARN = ${outputs.DeployRoleArn}`);
  console.log(
    `serverless.yml → params (each deployed stage): deploymentRole: ${outputs.ExecutionRoleArn}`,
  );
  return 0;
}

runMain(cli, main);
