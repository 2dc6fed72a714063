import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LambdaClient,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { deployLocalStack, type LocalDeployOptions, stackName } from '../../../local/stack.ts';
import { deployBuildOptions, functionEntries } from '../../../serverless/bundles.ts';

// `npm run bench`'s floor: the same serverless.yml deployed as its own emulator stage — the same
// topic, filtered queues, DLQs, event source mappings, roles, HTTP routes, environment and
// parameters, by construction — and then every function's code replaced with a bare handler
// written by hand with the AWS SDK only (this folder). Replacing the code after the deploy keeps
// serverless.yml free of a bench switch, and the topology can only be the real one.

const here = path.dirname(fileURLToPath(import.meta.url));

/** The bare module standing in for each handler source of the example. */
export const BARE_MODULES: Record<string, string> = {
  'services/calculator/worker.ts': 'calculator-worker.ts',
  'services/storage/api.ts': 'storage-api.ts',
  'services/storage/worker.ts': 'storage-worker.ts',
  'services/notifier/worker.ts': 'notifier-worker.ts',
  'shared/outbox-relay-function.ts': 'outbox-relay.ts',
};

/** Deploy `stage` as the real stack, then swap every function's code for its bare handler. */
export async function deployBareStage(
  root: string,
  options: LocalDeployOptions & { stage: string },
) {
  const stack = await deployLocalStack(options);
  const functions = functionEntries(root);
  const missing = functions.filter((f) => !BARE_MODULES[f.entry]);
  if (missing.length)
    throw new Error(
      `No bare handler for ${missing.map((f) => f.entry).join(', ')}: add one to scripts/bench/example/bare/`,
    );
  // Each bundle at its handler's path (services/x/api.mjs), with the deploy's esbuild settings.
  const { outputFiles } = await build({
    ...deployBuildOptions(root),
    entryPoints: Object.fromEntries(
      functions.map((f) => [
        f.entry.replace(/\.ts$/, ''),
        path.join(here, BARE_MODULES[f.entry] ?? ''),
      ]),
    ),
    outdir: root,
    outExtension: { '.js': '.mjs' },
    write: false,
    logLevel: 'silent',
  });
  const lambda = new LambdaClient({});
  try {
    for (const f of functions) {
      const base = path.join(root, f.entry.replace(/\.ts$/, ''));
      const files = outputFiles.filter((o) => o.path.startsWith(`${base}.mjs`));
      const zip = zipSync(
        Object.fromEntries(files.map((o) => [path.relative(root, o.path), o.contents])),
      );
      const FunctionName = `${stackName(options.stage)}-${f.name}`;
      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName, ZipFile: zip }));
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60 }, { FunctionName });
    }
  } finally {
    lambda.destroy();
  }
  return stack;
}
