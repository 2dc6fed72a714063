#!/usr/bin/env tsx
// `npm run dev`: the emulator, one deploy, then a live loop — a saved source updates the functions
// it changes within about a second, their logs and the webhooks scroll by. docs/dev-loop.md.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_WEBHOOK } from './emulator/local-env.ts';
import { parseCli, runMain, UsageError, wholeNumber } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run dev [-- --stage <stage>] [--webhook-port <port>]
       npm run dev -- --measure [n] [--function <name>]
Starts the emulator (unless one runs), deploys the stack as stage local, then watches the
sources. A saved change rebuilds the bundles made of it (serverless-esbuild with the deploy's
settings, incrementally) and updates the code of each function whose bundle changed
("<function> updated in N ms"); a change to serverless.yml, its local plugins or
events/topology.json redeploys the stack instead. The functions' logs (one line per entry,
coloured by service, with the event's type and id) and the webhooks the local receiver gets
appear as they come. Ctrl-C stops everything it started.
  --stage <name>        an emulator stage other than local
  --webhook-port <n>    where the webhook receiver listens (default ${LOCAL_WEBHOOK.port}); the stage's
                        notifier is pointed there at deploy
  --measure [n]         instead: time save → the new code answering, n edits (default 10), in a
                        throw-away copy of the checkout and stage; prints p50/p90/max
  --function <name>     with --measure: edit only this function (default: each in turn)
  --help                this text`,
  options: {
    stage: { type: 'string' },
    'webhook-port': { type: 'string' },
    measure: { type: 'boolean' },
    function: { type: 'string' },
  },
  allowPositionals: true,
} as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number | undefined> {
  const { values, positionals } = parseCli(cli);
  if (!values.measure) {
    if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}".`);
    if (values.function) throw new UsageError('--function goes with --measure.');
  } else if (positionals.length > 1 || values.stage || values['webhook-port']) {
    throw new UsageError('--measure takes a number of edits and --function, nothing else.');
  }
  if (values.stage !== undefined && !/^[a-zA-Z][a-zA-Z0-9-]*$/.test(values.stage))
    throw new UsageError(
      `--stage must be a stage name (letters, digits, -), not "${values.stage}".`,
    );
  const webhookPort = wholeNumber('webhook-port', values['webhook-port']);
  process.chdir(root); // serverless and serverless-esbuild work in the service folder

  // Imported after the arguments are read: --help and a bad flag load no AWS SDK.
  if (values.measure) {
    const { measureDevLoop } = await import('./dev/measure.ts');
    const edits = wholeNumber('measure', positionals[0]) ?? 10;
    await measureDevLoop({ edits, ...(values.function ? { only: values.function } : {}) });
    return 0;
  }
  const { applyLocalAwsEnv } = await import('./emulator/local-env.ts');
  const { startDevLoop } = await import('./dev/loop.ts');
  applyLocalAwsEnv();
  const loop = startDevLoop({
    root,
    ...(values.stage ? { stage: values.stage } : {}),
    ...(webhookPort ? { webhookPort } : {}),
  });
  let interrupted: number | undefined;
  const stop = () => {
    if (interrupted !== undefined) {
      // tsx passes a terminal's Ctrl-C on once more when its child is slow to say it got it
      // (a loaded machine): that is the same Ctrl-C. A later one means stop waiting.
      if (performance.now() - interrupted > 1000) process.exit(130);
      return;
    }
    interrupted = performance.now();
    console.log('\nstopping …');
    loop.stop().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(error.message);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await loop.started;
  } catch (error) {
    if (interrupted !== undefined) return undefined; // Ctrl-C during start-up: stop() exits
    await loop.stop();
    throw error;
  }
  return undefined; // the loop runs until Ctrl-C
}

runMain(cli, main);
