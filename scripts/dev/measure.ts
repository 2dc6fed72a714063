// `npm run dev -- --measure [n]`: how long from saving a function's source to that function
// answering with the new code. In a throw-away copy of the checkout, on a throw-away emulator
// stage (so neither the checkout nor the `local` stage changes), `npm run dev` runs as a user runs
// it; n times a function's source gets a change (functions in turn, from serverless.yml) and the
// function is invoked until it answers with it. Prints each edit and p50/p90/max.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DeleteParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { copyRepository } from '../../test/support/repo-copy.ts';
import { startEmulator, stopEmulator } from '../emulator/emulator.ts';
import { applyLocalAwsEnv, LOCAL_WEBHOOK } from '../emulator/local-env.ts';
import { percentile } from '../lib/stats.ts';
import { localWebhookSecretName, localWebhookTargetsName } from '../local/stack.ts';
import { answersWith, freePort, functionsIn, probeEdit, startDevProcess } from './probe.ts';

export interface MeasureOptions {
  edits: number;
  /** Edit only this function (its key under `functions`); by default each in turn. */
  only?: string;
  print?: (line: string) => void;
}

export async function measureDevLoop({ edits, only, print = console.log }: MeasureOptions) {
  applyLocalAwsEnv();
  const emulator = await startEmulator(print);
  const fork = copyRepository();
  const stage = `devm${randomBytes(3).toString('hex')}`;
  const dev = startDevProcess(fork.dir, [
    '--stage',
    stage,
    '--webhook-port',
    String(await freePort()),
  ]);
  try {
    print(`npm run dev in a copy of the checkout (${fork.dir}), stage ${stage} …`);
    await dev.waitFor(/watching \d+ functions/, 300_000);
    const functions = await functionsIn(fork.dir);
    const chosen = only ? functions.filter((f) => f.alias === only) : functions;
    if (!chosen.length)
      throw new Error(
        `No function ${only}: serverless.yml has ${functions.map((f) => f.alias).join(', ')}.`,
      );

    const times: number[] = [];
    for (let i = 0; i < edits; i++) {
      const fn = chosen[i % chosen.length] as (typeof chosen)[number];
      const from = dev.lines.length;
      const saved = performance.now();
      const marker = probeEdit(path.join(fork.dir, fn.entry));
      // Invoked as soon as the loop says the code is up (as a developer's request right after):
      // invoking all along would only compete with the build for the CPU.
      const updated = await dev.waitFor(new RegExp(`(^|\\s)${fn.alias} updated in`), 60_000, from);
      const took = Math.round((await answersWith(fn.name, marker)) - saved);
      times.push(took);
      const [, build = '?', upload = '?'] =
        /built in (\d+) ms, uploaded in (\d+) ms/.exec(updated) ?? [];
      print(
        `${String(i + 1).padStart(3)}. ${fn.alias.padEnd(24)} save → answering ${String(took).padStart(5)} ms   (build ${build} ms, upload ${upload} ms)`,
      );
    }
    const sorted = [...times].sort((a, b) => a - b);
    print(
      `\nsave → new code answering, ${edits} edits: p50 ${percentile(sorted, 50)} ms · p90 ${percentile(sorted, 90)} ms · max ${sorted.at(-1)} ms`,
    );
    const code = await dev.interrupt();
    if (code !== 0) throw new Error(`npm run dev exited with ${code} on Ctrl-C`);
    return { times, p50: percentile(sorted, 50) };
  } finally {
    if (dev.running()) await dev.interrupt(10_000);
    const remove = fork.run('serverless', ['remove', '--stage', stage]);
    if (remove.status !== 0) print(`serverless remove --stage ${stage} failed:\n${remove.stderr}`);
    await new SSMClient({})
      .send(
        new DeleteParametersCommand({
          Names: [
            localWebhookTargetsName(stage),
            localWebhookSecretName(stage, LOCAL_WEBHOOK.name),
          ],
        }),
      )
      .catch(() => {});
    fork.remove();
    if (emulator.startedNow) print(await stopEmulator());
  }
}
