import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { median, pairedRatio } from '../lib/stats.ts';
import { deployBuildOptions } from '../serverless/bundles.ts';
import { callKinds } from './bare-handler.ts';
import { bareClients, bundleFile } from './cold-import.ts';
import { firstFailure, type Job, sdkOf, stubbedEnv } from './handler-inputs.ts';
import { startStubAws, withStubUrl } from './stub-aws.ts';

// A cold start as a user feels it: a fresh `node` process loads a function's prod bundle and
// handles its first event — a 10-record batch for a consumer, one request for an HTTP function —
// every AWS call answered by the in-process stub after a fixed latency; side by side with a bare
// bundle doing the same: the function's bare import bundle (the same AWS clients, created) with a
// handler written by hand (bare-handler.ts) making the calls the real one made on its first
// invocation (counted by the handler benchmark), taking the batch as the consumer does. Rounds alternate which goes first;
// each ratio is the median of per-round ratios.

export interface ColdInvokeJob extends Job {
  /** Its first event: an SQS batch or an HTTP request. */
  event: unknown;
  /** Records in the event (1 for a request). */
  units: number;
  /** AWS calls per unit the real handler made on its first invocation. */
  callsPerUnit: Record<string, number>;
  /** A consumer: whether the batch's records are handled at once. Undefined for HTTP. */
  concurrent?: boolean;
  /** HTTP: the status the real handler answered, which the bare one answers too. */
  status?: number;
}

export interface ColdInvoke {
  function: string;
  /** `10-record batch` or `one request`. */
  first: string;
  /** Median ms from spawning node to the first invocation's answer, real bundle and bare. */
  ms: number;
  bareMs: number;
  vsBare: number;
  /**
   * CPU time of the process up to the answer (user + system), ms, and its ratio: what the
   * process itself spent, less moved by other load on a shared machine than the wall time.
   */
  cpuMs: number;
  bareCpuMs: number;
  cpuVsBare: number;
  /** In the process: ms from its start until the module was loaded, real and bare … */
  loadedMs: number;
  bareLoadedMs: number;
  /** … and the first invocation's own ms, real and bare. */
  invokedMs: number;
  bareInvokedMs: number;
  /** Minified KB of the bare bundle (its handler, its SDK clients). */
  bareKb: number;
  /** What the real handler logged as a failure, or answered that was not a success. */
  failure?: string;
}

export const RUNNER = `import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [file, exportName, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = {
  functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '1024',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  awsRequestId: crypto.randomUUID(), logGroupName: 'bench', logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000,
};
const handler = (await import(pathToFileURL(file).href))[exportName];
const loaded = performance.now();
const result = await handler(event, context);
const answered = performance.now();
const { userCPUTime, systemCPUTime } = process.resourceUsage();
process.stdout.write('\\n@result ' + JSON.stringify(result ?? null) + '\\n@times ' +
  JSON.stringify({ loaded, invoked: answered - loaded, cpu: (userCPUTime + systemCPUTime) / 1000 }) + '\\n');
process.exit(0);
`;

/**
 * The bare bundle's entry: the AWS clients the real bundle holds, created as its bare import
 * bundle creates them (cold-import.ts), the commands it calls, and the bare handler.
 */
async function bareEntry(job: ColdInvokeJob, bundle: string, parameter?: string): Promise<string> {
  const bare = fileURLToPath(new URL('./bare-handler.ts', import.meta.url));
  const kinds = callKinds(job.callsPerUnit, job.units).filter((k) => !k.startsWith('http:'));
  const held = bareClients(bundle);
  const lines = [
    `import { bareCall, ${job.concurrent === undefined ? 'bareHttp' : 'bareConsumer'}, planOf } from ${JSON.stringify(bare)};`,
    held.code,
  ];
  const sdks: string[] = [];
  for (const service of new Set(kinds.map((k) => k.split(':')[0] ?? ''))) {
    const { module, client } = await sdkOf(service);
    const called = kinds.filter((k) => k.startsWith(`${service}:`));
    const command = (k: string) => `${k.split(':')[1]}Command`;
    lines.push(`import { ${called.map(command).join(', ')} } from '${module}';`);
    if (!held.services.includes(service))
      lines.push(
        `import { ${client} as ${service}Client } from '${module}';`,
        `const ${service} = new ${service}Client({});`,
      );
    sdks.push(...called.map((k) => `'${k}': { client: ${service}, Command: ${command(k)} }`));
  }
  const target = `{ endpoint: process.env.AWS_ENDPOINT_URL, parameter: ${JSON.stringify(parameter)} }`;
  const plan = `planOf(${JSON.stringify(job.callsPerUnit)}, ${job.units}, (key) => bareCall(key, target, sdks[key]))`;
  lines.push(
    `const target = ${target};`,
    `const sdks = { ${sdks.join(', ')} };`,
    job.concurrent === undefined
      ? `export const handler = bareHttp(${plan}, ${job.status ?? 200});`
      : `export const handler = bareConsumer(${plan}, ${job.concurrent});`,
  );
  return lines.join('\n');
}

/** What went wrong with a first invocation: a failure it logged, failed records, an error status. */
function failureOf(stdout: string): string | undefined {
  const logged = firstFailure([stdout]);
  if (logged) return logged;
  const result = JSON.parse(/\n@result (.*)\n/.exec(stdout)?.[1] ?? 'null') as {
    batchItemFailures?: unknown[];
    statusCode?: number;
  } | null;
  if (result?.batchItemFailures?.length) return `${result.batchItemFailures.length} records failed`;
  if ((result?.statusCode ?? 200) >= 500) return `answered ${result?.statusCode}`;
  return undefined;
}

/** What a cold-start measurement needs: the checkout, a work folder, runs, stub latency, jobs. */
export interface ColdStartOptions {
  root: string;
  /** Where the functions' zips were unpacked (cold-import.ts). */
  workDir: string;
  runs: number;
  latencyMs: number;
  jobs: ColdInvokeJob[];
}

export async function measureColdInvokes({
  root,
  workDir,
  runs,
  latencyMs,
  jobs,
}: ColdStartOptions): Promise<ColdInvoke[]> {
  const stub = await startStubAws({ latencyMs });
  try {
    const dir = path.join(workDir, 'cold-invoke');
    mkdirSync(dir, { recursive: true });
    const runner = path.join(dir, 'runner.mjs');
    writeFileSync(runner, RUNNER);
    for (const job of jobs)
      for (const [name, value] of Object.entries(job.stub?.parameters ?? {}))
        stub.parameters.set(name, withStubUrl(value, stub.url));

    // Every bare bundle in one build, with the deploy's esbuild settings.
    const entries: Record<string, string> = {};
    for (const job of jobs) {
      const entry = path.join(dir, `${job.function}.bare.ts`);
      const bundle = readFileSync(
        bundleFile(workDir, { name: job.function, source: job.source }),
        'utf8',
      );
      writeFileSync(
        entry,
        await bareEntry(job, bundle, Object.keys(job.stub?.parameters ?? {})[0]),
      );
      entries[`${job.function}.bare`] = entry;
      writeFileSync(path.join(dir, `${job.function}.event.json`), JSON.stringify(job.event));
    }
    await build({
      ...deployBuildOptions(root),
      entryPoints: entries,
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      nodePaths: [path.join(root, 'node_modules')],
      logLevel: 'silent',
    });

    const sides = jobs.flatMap((job) => {
      const env = {
        PATH: process.env.PATH,
        NODE_OPTIONS: String(job.env.NODE_OPTIONS ?? ''),
        ...stubbedEnv(job, stub.url),
      };
      const event = path.join(dir, `${job.function}.event.json`);
      return [
        {
          key: job.function,
          args: [
            runner,
            bundleFile(workDir, { name: job.function, source: job.source }),
            job.exportName,
            event,
          ],
          env,
        },
        {
          key: `${job.function}.bare`,
          args: [runner, path.join(dir, `${job.function}.bare.mjs`), 'handler', event],
          env,
        },
      ];
    });
    const time = (args: string[], env: NodeJS.ProcessEnv) =>
      new Promise<{ ms: number; stdout: string }>((resolve, reject) => {
        const start = performance.now();
        execFile(
          process.execPath,
          args,
          { env, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const ms = performance.now() - start;
            if (error)
              reject(new Error(`${path.basename(args[1] ?? '')} failed: ${stderr.slice(0, 500)}`));
            else resolve({ ms, stdout });
          },
        );
      });
    const samples = new Map<string, number[]>();
    /** In-process figures per run: when the module was loaded, how long the invocation took, CPU. */
    const times = new Map<string, Array<{ loaded: number; invoked: number; cpu: number }>>();
    const failures = new Map<string, string>();
    for (let i = 0; i < runs; i++) {
      for (let s = 0; s < sides.length; s += 2) {
        // Alternate which of a pair goes first.
        const pair = i % 2 ? [sides[s + 1], sides[s]] : [sides[s], sides[s + 1]];
        for (const side of pair) {
          if (!side) continue;
          const { ms, stdout } = await time(side.args, side.env);
          samples.set(side.key, [...(samples.get(side.key) ?? []), ms]);
          const figures = JSON.parse(/\n@times (.*)\n/.exec(stdout)?.[1] ?? '{}');
          times.set(side.key, [...(times.get(side.key) ?? []), figures]);
          const failure = i === 0 ? failureOf(stdout) : undefined;
          if (failure) failures.set(side.key, failure);
        }
      }
    }
    return jobs.map((job) => {
      const real = samples.get(job.function) ?? [];
      const bare = samples.get(`${job.function}.bare`) ?? [];
      const of = (key: string, figure: 'loaded' | 'invoked' | 'cpu') =>
        (times.get(key) ?? []).map((t) => t[figure]);
      const [realCpu, bareCpu] = [of(job.function, 'cpu'), of(`${job.function}.bare`, 'cpu')];
      const failure = failures.get(job.function) ?? failures.get(`${job.function}.bare`);
      return {
        function: job.function,
        first: job.concurrent === undefined ? 'one request' : `${job.units}-record batch`,
        ms: median(real),
        bareMs: median(bare),
        vsBare: pairedRatio(real, bare),
        cpuMs: median(realCpu),
        bareCpuMs: median(bareCpu),
        cpuVsBare: pairedRatio(realCpu, bareCpu),
        loadedMs: median(of(job.function, 'loaded')),
        bareLoadedMs: median(of(`${job.function}.bare`, 'loaded')),
        invokedMs: median(of(job.function, 'invoked')),
        bareInvokedMs: median(of(`${job.function}.bare`, 'invoked')),
        bareKb: statSync(path.join(dir, `${job.function}.bare.mjs`)).size / 1024,
        ...(failure ? { failure } : {}),
      };
    });
  } finally {
    await stub.close();
  }
}
