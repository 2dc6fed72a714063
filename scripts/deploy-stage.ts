#!/usr/bin/env tsx
// `npm run deploy:stage`: one stage's life — deploy, its e2e tier, removal — on the emulator or
// on AWS. The deploy workflow runs these steps for pull requests (pr-<number>), main (dev) and
// releases (prod); scripts/deploy/stage.ts says what each step does.
import { parseCli, runMain, UsageError } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run deploy:stage -- <stage> [--aws] [--test | --remove] [--param <key=value>]…
Deploys the stage (into the emulator, started if needed, unless --aws), prints its API URL and
topic. With --test, runs the e2e tier against the stage already deployed instead; with --remove,
removes the stage instead.
  --aws                  AWS with the shell's credentials and region (CI: the OIDC deploy role)
  --test                 the e2e tier against the deployed stage (on AWS: the files that need only
                         the stage itself, see vitest.config.ts)
  --remove               serverless remove (and, on the emulator, the stage's local webhook secret)
  --param <key=value>    a stage param over serverless.yml's (repeatable), e.g. deploymentRole=<arn>
  --help                 this text`,
  options: {
    aws: { type: 'boolean' },
    test: { type: 'boolean' },
    remove: { type: 'boolean' },
    param: { type: 'string', multiple: true },
  },
  allowPositionals: true,
} as const;

async function main(): Promise<number> {
  const { values, positionals } = parseCli(cli);
  const [stage, ...extra] = positionals;
  if (!stage) throw new UsageError('Name the stage to deploy, e.g. pr-7.');
  if (extra.length) throw new UsageError(`One stage at a time, not also ${extra.join(' ')}.`);
  if (values.test && values.remove)
    throw new UsageError('--test and --remove are two steps: run them one after the other.');
  const params = values.param ?? [];
  const badParam = params.find((p) => !/^\w+=/.test(p));
  if (badParam) throw new UsageError(`--param ${badParam}: expected <key>=<value>.`);
  const { checkStageName, deployStage, removeStage, testStage } = await import('./deploy/stage.ts');
  const refused = checkStageName(stage);
  if (refused) throw new UsageError(refused);
  const target = values.aws ? 'aws' : 'emulator';

  if (values.test) return testStage(stage, target);
  if (values.remove) {
    await removeStage(stage, target);
    console.log(`Removed stage ${stage} (${target}).`);
    return 0;
  }
  const stack = await deployStage(stage, target, params);
  console.log(`\nStage:  ${stack.stage} (${target})`);
  if (stack.apiUrl) console.log(`API:    ${stack.apiUrl}`);
  console.log(`Topic:  ${stack.eventsTopicArn}`);
  return 0;
}

runMain(cli, main);
