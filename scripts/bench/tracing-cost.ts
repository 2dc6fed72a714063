import { execFile } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { median, pairedRatio } from '../lib/stats.ts';
import { deployBuildOptions } from '../serverless/bundles.ts';
import { type ColdInvokeJob, type ColdStartOptions, RUNNER } from './cold-invoke.ts';
import { stubbedEnv } from './handler-inputs.ts';
import { startStubAws, withStubUrl } from './stub-aws.ts';

// What Powertools Tracer costs (shared/tracing.ts): each function's handler bundled twice with the
// deploy's esbuild settings — as a stage with `tracing: Active` bundles it and as every other
// stage does — then its cold start (init + first invocation, a fresh process, AWS stubbed) side
// by side, with the bundle sizes. The traced side runs as in Lambda with a sampled trace, so the
// Tracer really records (its segments go to an X-Ray daemon address nobody listens on, as UDP).

export interface TracingCost {
  function: string;
  /** Minified KB of its bundle without and with the Tracer. */
  offKb: number;
  onKb: number;
  /** Median ms of a cold start without and with it, and the paired ratio on / off. */
  offMs: number;
  onMs: number;
  onVsOff: number;
}

const TRACED_ENV = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
};

export async function measureTracingCost({
  root,
  workDir,
  runs,
  latencyMs,
  jobs,
}: ColdStartOptions): Promise<TracingCost[]> {
  const dir = path.join(workDir, 'tracing');
  mkdirSync(dir, { recursive: true });
  const runner = path.join(dir, 'runner.mjs');
  writeFileSync(runner, RUNNER);
  const bundle = async (job: ColdInvokeJob, tracing: 'Active' | 'PassThrough') => {
    const outfile = path.join(dir, `${job.function}.${tracing}.mjs`);
    await build({
      ...deployBuildOptions(root),
      define: { 'process.env.POWERTOOLS_TRACING_BUNDLED': JSON.stringify(tracing) },
      entryPoints: [path.join(root, job.source)],
      outfile,
      outExtension: {},
      nodePaths: [path.join(root, 'node_modules')],
      logLevel: 'silent',
    });
    return outfile;
  };
  const stub = await startStubAws({ latencyMs });
  try {
    const results: TracingCost[] = [];
    for (const job of jobs) {
      for (const [name, value] of Object.entries(job.stub?.parameters ?? {}))
        stub.parameters.set(name, withStubUrl(value, stub.url));
      const [off, on] = [await bundle(job, 'PassThrough'), await bundle(job, 'Active')];
      const event = path.join(dir, `${job.function}.event.json`);
      writeFileSync(event, JSON.stringify(job.event));
      const env = {
        PATH: process.env.PATH,
        NODE_OPTIONS: String(job.env.NODE_OPTIONS ?? ''),
        ...stubbedEnv(job, stub.url),
        ...TRACED_ENV,
      };
      const time = (file: string) =>
        new Promise<number>((resolve, reject) => {
          const start = performance.now();
          execFile(
            process.execPath,
            [runner, file, job.exportName, event],
            { env },
            (error, _, stderr) =>
              error
                ? reject(new Error(`${path.basename(file)} failed: ${stderr.slice(0, 500)}`))
                : resolve(performance.now() - start),
          );
        });
      const samples = { off: [] as number[], on: [] as number[] };
      for (let i = 0; i < runs; i++) {
        // Alternate which goes first.
        if (i % 2) {
          samples.on.push(await time(on));
          samples.off.push(await time(off));
        } else {
          samples.off.push(await time(off));
          samples.on.push(await time(on));
        }
      }
      results.push({
        function: job.function,
        offKb: statSync(off).size / 1024,
        onKb: statSync(on).size / 1024,
        offMs: median(samples.off),
        onMs: median(samples.on),
        onVsOff: pairedRatio(samples.on, samples.off),
      });
    }
    return results;
  } finally {
    await stub.close();
  }
}
