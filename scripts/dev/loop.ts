// npm run dev: the emulator, one deploy, then a watch. A saved source rebuilds the bundles made of
// it (serverless-esbuild's contexts, incremental) and the functions whose bundle changed get
// their new code through Lambda's UpdateFunctionCode; a change to what the stack is made of
// (serverless.yml, its local plugins, events/topology.json) redeploys it.
// The functions' logs and the webhooks the local receiver gets are printed as they come.
import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { styleText } from 'node:util';
import {
  LambdaClient,
  ResourceConflictException,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { stop as stopEsbuild } from 'esbuild';
import { type StartResult, startEmulator, stopEmulator } from '../emulator/emulator.ts';
import { LOCAL_WEBHOOK } from '../emulator/local-env.ts';
import { deployLocalStack, localWebhookSecret } from '../local/stack.ts';
import { describeDelivery, startLocalWebhookReceiver } from '../local/webhook-receiver.ts';
import { SWITCH } from '../serverless/local-faults.ts';
import { type BundleUpdate, FunctionBundles, readResolvedService } from './bundles.ts';
import { clock, followFunctionLogs } from './function-logs.ts';

export interface DevLoopOptions {
  /** The service folder (where serverless.yml is). */
  root: string;
  /** The emulator stage to deploy and update. */
  stage?: string;
  /** Where the local webhook receiver listens (the stage's notifier is told so at deploy). */
  webhookPort?: number;
  print?: (line: string) => void;
}

/** Saves arriving within this many milliseconds of each other are one change. */
const SETTLE_MS = 20;

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Local plugin modules serverless.yml lists (`./scripts/serverless/x.ts`): their folders. */
function pluginFolders(root: string, plugins: unknown): string[] {
  const list = Array.isArray(plugins)
    ? plugins
    : ((plugins as { modules?: unknown[] } | undefined)?.modules ?? []);
  return list
    .filter((p): p is string => typeof p === 'string' && /^\.\.?\//.test(p))
    .map((p) => path.dirname(path.resolve(root, p)));
}

export function startDevLoop({
  root,
  stage = 'local',
  webhookPort = LOCAL_WEBHOOK.port,
  print = console.log,
}: DevLoopOptions) {
  const say = (line: string) => print(`${clock(new Date())} ${line}`);
  const webhookUrl = `http://${LOCAL_WEBHOOK.host}:${webhookPort}${LOCAL_WEBHOOK.path}`;
  const lambda = new LambdaClient({});
  const watchers = new Map<string, { watcher: FSWatcher; recursive: boolean }>();
  let triggerFolders: string[] = [];
  let emulator: StartResult | undefined;
  let receiver: { close: () => Promise<void> } | undefined;
  let bundles: FunctionBundles | undefined;
  let logs: { stop: () => Promise<void> } | undefined;
  let sources = new Set<string>();
  let triggers: (file: string) => boolean = () => false;
  let stopping = false;
  let pending = new Set<string>();
  let firstSave: number | undefined;
  let settle: NodeJS.Timeout | undefined;
  let working: Promise<void> | undefined;

  /** `since`: the save; `built`: when its bundle was ready (for the line's breakdown). */
  async function upload({ fn, zip }: BundleUpdate, since: number, built = since) {
    for (let attempt = 1; ; attempt++) {
      try {
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: fn.name, ZipFile: zip }));
        break;
      } catch (error) {
        // AWS (and LocalStack) refuse an update while the previous one is in progress.
        if (!(error instanceof ResourceConflictException) || attempt >= 40) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    const now = performance.now();
    say(
      `${styleText('green', fn.alias)} updated in ${Math.round(now - since)} ms ${styleText('dim', `(built in ${Math.round(built - since)} ms, uploaded in ${Math.round(now - built)} ms)`)}`,
    );
  }

  /** Build from the stack just deployed: bundles, the files to watch, the logs to follow. */
  async function follow(since: number) {
    const service = readResolvedService(root);
    if (service.provider.stage !== stage)
      throw new Error(
        `.serverless/ holds stage ${service.provider.stage}'s package, not ${stage}'s: another \`serverless package\` ran in this checkout meanwhile. Save serverless.yml to redeploy.`,
      );
    const started = await FunctionBundles.start(root, service);
    await bundles?.dispose();
    bundles = started.bundles;
    const plugins = pluginFolders(root, service.plugins);
    const events = path.join(root, 'events');
    // What the stack is made of. Of events/, the plugins read topology.json only: a contract or
    // the registry is code some bundles are made of (a save updates those functions), and the
    // lock, the AsyncAPI document and the recorded examples are read by checks, not the deploy.
    const stackFiles = [path.join(root, 'serverless.yml'), path.join(events, 'topology.json')];
    triggers = (file) =>
      stackFiles.includes(file) ||
      (plugins.includes(path.dirname(file)) &&
        /\.(ts|json)$/.test(file) &&
        !file.endsWith('.test.ts'));
    triggerFolders = [root, events, ...plugins];
    rewatch();
    const previous = logs;
    logs = followFunctionLogs(bundles.functions, print, { since: Date.now() });
    await previous?.stop();
    await Promise.all(started.stale.map((update) => upload(update, since)));
  }

  /**
   * One watcher per top folder holding sources (recursive: fs.watch's own, Node ≥ 20 on Linux),
   * plus the folders of the redeploy triggers; node_modules is never watched.
   */
  function rewatch() {
    if (!bundles || stopping) return;
    sources = bundles.sources();
    const wanted = new Map<string, boolean>(triggerFolders.map((folder) => [folder, false]));
    for (const file of sources) {
      const [top, ...rest] = path.relative(root, file).split(path.sep);
      if (top && top !== '..' && rest.length) wanted.set(path.join(root, top), true);
    }
    for (const [folder, { watcher, recursive }] of watchers) {
      if (wanted.get(folder) === recursive) continue;
      watcher.close();
      watchers.delete(folder);
    }
    for (const [folder, recursive] of wanted) {
      if (watchers.has(folder)) continue;
      try {
        const watcher = watch(folder, { recursive }, (_event, name) => {
          if (name) saved(path.join(folder, name.toString()));
        });
        watcher.on('error', () => watchers.delete(folder));
        watchers.set(folder, { watcher, recursive });
      } catch {
        // a folder that does not exist (a service without events/) is not watched
      }
    }
  }

  function saved(file: string) {
    if (stopping || !(sources.has(file) || triggers(file))) return;
    pending.add(file);
    firstSave ??= performance.now();
    clearTimeout(settle);
    settle = setTimeout(() => {
      working ??= drain().finally(() => {
        working = undefined;
      });
    }, SETTLE_MS);
  }

  async function drain() {
    while (pending.size && !stopping) {
      const files = [...pending];
      const since = firstSave ?? performance.now();
      pending = new Set();
      firstSave = undefined;
      try {
        const trigger = files.find(triggers);
        if (trigger) await redeploy(path.relative(root, trigger), since);
        else await update(files, since);
      } catch (error) {
        if (!stopping) say(styleText('red', (error as Error).message)); // else: Ctrl-C ended it
      }
    }
  }

  async function update(files: string[], since: number) {
    if (!bundles) return;
    const { updates, failures, unbuildable } = await bundles.rebuild(files);
    const built = performance.now();
    for (const failure of failures)
      say(`${styleText('red', `${failure.entry} did not build`)} (above); save again to retry`);
    for (const entry of unbuildable)
      say(
        `${styleText('red', `${entry} not rebuilt`)}: serverless-esbuild kept no esbuild context for it, so its functions keep their code; save serverless.yml to redeploy`,
      );
    rewatch(); // a new import may have brought a new folder
    await Promise.all(updates.map((u) => upload(u, since, built)));
  }

  // Set only by a test run observing IAM (test/support/global-setup.ts), never by a shell.
  const functionsAwsEndpoint = process.env[SWITCH];

  async function redeploy(file: string, since: number) {
    say(`${styleText('yellow', file)} changed: redeploying the stack …`);
    await deployLocalStack({ quiet: true, stage, webhookUrl, functionsAwsEndpoint });
    await follow(since);
    say(`redeployed stage ${stage} in ${seconds(since)}`);
  }

  const started = (async () => {
    emulator = await startEmulator(say);
    if (stopping) return;
    const secret = await localWebhookSecret(stage);
    receiver = await startLocalWebhookReceiver({
      secret,
      port: webhookPort,
      onDelivery: (d) => say(`${styleText('bold', 'webhook'.padEnd(12))} ${describeDelivery(d)}`),
    }).catch((error: Error & { code?: string }) => {
      if (error.code !== 'EADDRINUSE') throw error;
      say(`${error.message} The webhooks go there, not here.`);
      return undefined;
    });
    if (stopping) return;
    const t0 = performance.now();
    say(`deploying stage ${stage} (serverless deploy) …`);
    const stack = await deployLocalStack({ quiet: true, stage, webhookUrl, functionsAwsEndpoint });
    if (stopping) return;
    await follow(t0);
    say(
      `deployed in ${seconds(t0)}${stack.apiUrl ? ` · API ${stack.apiUrl}` : ''}${receiver ? ` · webhooks ${webhookUrl}` : ''}`,
    );
    say(
      `watching ${bundles?.functions.length} functions (${bundles?.functions.map((f) => f.alias).join(', ')}): save a file to update them · Ctrl-C to stop`,
    );
  })();

  let stopped: Promise<void> | undefined;
  return {
    /** Settles once the stack is deployed and the watch runs; rejects when start-up failed. */
    started,
    /** Stop everything this loop started (the emulator only if it started it). */
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        clearTimeout(settle);
        await started.catch(() => {});
        await working;
        for (const { watcher } of watchers.values()) watcher.close();
        await logs?.stop();
        await bundles?.dispose();
        await stopEsbuild(); // its service process (serverless-esbuild's contexts ran there)
        await receiver?.close();
        lambda.destroy();
        if (emulator?.startedNow) say(await stopEmulator());
      })();
      return stopped;
    },
  };
}
