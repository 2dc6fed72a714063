import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { median, pairedRatio } from '../lib/stats.ts';
import {
  type BareSdk,
  bareCall,
  bareConsumer,
  bareHttp,
  callKinds,
  planOf,
} from './bare-handler.ts';
import {
  BASE_ENV,
  BareClients,
  batchOf,
  context,
  firstFailure,
  type HttpSample,
  httpRequest,
  type Job,
  quietly,
  stubbedEnv,
} from './handler-inputs.ts';
import { startStubAws, withStubUrl } from './stub-aws.ts';

// What the consumer stack and the HTTP stack cost, per function: each function's real handler
// (imported from its source, with its own environment from the template) against a bare handler
// written by hand that makes the same AWS calls (counted on the stub, per record or request;
// bare-handler.ts), taking a batch's records as the consumer does (at once unless it declares
// `concurrent: false`). Every AWS call is answered by an in-process stub after a fixed latency,
// so the difference is what the middleware and the libraries cost. Consumers get batches of their
// consumed types, built from the contracts' own examples (events/registry.ts); what a scenario
// sets up on the stub for a function (its SSM parameters, a webhook target) comes with its job.

export interface HandlerCost {
  /** Median ms per batch / request. */
  stackMs: number;
  bareMs: number;
  /** Each round's stack time over its bare handler's in the same round, the median of those (paired). */
  ratio: number;
  stackPerSecond: number;
  barePerSecond: number;
  /**
   * AWS calls per record (consumer) or request (HTTP), by service:Operation, of a warm invocation
   * — the bare handler makes the same (`http:POST`: an outbound HTTP call, a webhook say).
   */
  callsPerUnit: Record<string, number>;
  /** The same of the first invocation after the module loaded (what a cold start calls). */
  firstCallsPerUnit: Record<string, number>;
  /** A consumer: whether it takes a batch's records at once (its bare handler does the same). */
  concurrent?: boolean;
  /** What the real handler logged as a failure (WARN/ERROR) on a sample batch or request, if anything. */
  failure?: string;
  /** HTTP: the status the real handler answered. */
  status?: number;
}

export interface ConsumerJob extends Job {
  consumes: string[];
}

export interface HttpJob extends Job {
  /** `METHOD /path/{param}` */
  route: string;
  sample: HttpSample;
}

export interface HandlerCostOptions {
  root: string;
  latencyMs: number;
  rounds: number;
  batchSize: number;
  consumers: ConsumerJob[];
  http: HttpJob[];
}

export interface HandlerCosts {
  /** By function name. */
  consumers: Record<string, HandlerCost>;
  http: Record<string, HandlerCost>;
  /** Functions that could not be measured (their module failed to load, say), with the reason. */
  unmeasured: Record<string, string>;
}

async function compare(
  stack: () => Promise<unknown>,
  bare: () => Promise<unknown>,
  rounds: number,
  unitsPerCall: number,
): Promise<Pick<HandlerCost, 'stackMs' | 'bareMs' | 'ratio' | 'stackPerSecond' | 'barePerSecond'>> {
  const stackTimes: number[] = [];
  const bareTimes: number[] = [];
  const time = async (fn: () => Promise<unknown>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  for (let i = 0; i < 3; i++) {
    await stack();
    await bare();
  }
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so drift on a noisy machine hits both alike.
    if (i % 2) {
      stackTimes.push(await time(stack));
      bareTimes.push(await time(bare));
    } else {
      bareTimes.push(await time(bare));
      stackTimes.push(await time(stack));
    }
  }
  const stackMs = median(stackTimes);
  const bareMs = median(bareTimes);
  return {
    stackMs,
    bareMs,
    // Paired like the cold figures: each round's stack over the bare handler that ran beside it.
    ratio: pairedRatio(stackTimes, bareTimes),
    stackPerSecond: (unitsPerCall * 1000) / stackMs,
    barePerSecond: (unitsPerCall * 1000) / bareMs,
  };
}

/** Every consumer and HTTP function of the options against its bare handler, one after another. */
export async function measureHandlerCost(options: HandlerCostOptions): Promise<HandlerCosts> {
  const stub = await startStubAws({ latencyMs: options.latencyMs });
  const saved = { ...process.env };
  const clients = new BareClients();
  // What the real handler calls per unit, and the first failure it logged.
  const sample = async (run: () => Promise<unknown>, units: number) => {
    stub.reset();
    const lines: string[] = [];
    const result = await quietly(run, lines);
    const callsPerUnit = Object.fromEntries(
      Object.entries(stub.calls).map(([k, n]) => [k, n / units]),
    );
    return { result, callsPerUnit, failure: firstFailure(lines) };
  };
  // The first invocation's calls (a cold start's: parameters read, say) and the next one's (warm:
  // what every later invocation makes, which the bare handler makes too).
  const firstAndWarm = async (run: () => Promise<unknown>, units: number) => {
    const first = await sample(run, units);
    const warm = await sample(run, units);
    const failure = first.failure ?? warm.failure;
    return {
      result: warm.result,
      calls: {
        callsPerUnit: warm.callsPerUnit,
        firstCallsPerUnit: first.callsPerUnit,
        ...(failure ? { failure } : {}),
      },
    };
  };
  // Each function's module is imported under its own environment: its config is read at import.
  const load = async (job: Job) => {
    stub.parameters.clear();
    for (const [name, value] of Object.entries(job.stub?.parameters ?? {}))
      stub.parameters.set(name, withStubUrl(value, stub.url));
    process.env = {
      ...saved,
      ...stubbedEnv(job, stub.url),
      POWERTOOLS_METRICS_DISABLED: 'false', // EMF documents are part of what the stack costs
    };
    const module = (await import(
      pathToFileURL(path.join(options.root, job.source)).href
    )) as Record<string, unknown>;
    const handler = module[job.exportName];
    if (typeof handler !== 'function')
      throw new Error(`${job.source} exports no function "${job.exportName}" (${job.function})`);
    return handler as ((event: unknown, context: Context) => Promise<unknown>) & {
      consumer?: { concurrent?: boolean };
    };
  };
  const target = () => ({ endpoint: stub.url, parameter: [...stub.parameters.keys()][0] });
  const planFor = async (callsPerUnit: Record<string, number>, units: number) => {
    const sdks = new Map<string, BareSdk | undefined>();
    for (const key of callKinds(callsPerUnit, units)) sdks.set(key, await clients.of(key));
    return planOf(callsPerUnit, units, (key) => bareCall(key, target(), sdks.get(key)));
  };
  const costs: HandlerCosts = { consumers: {}, http: {}, unmeasured: {} };
  try {
    // A function that cannot be measured is reported, and the others still are.
    const each = async <J extends Job>(jobs: J[], measure: (job: J) => Promise<void>) => {
      for (const job of jobs)
        await measure(job).catch((error: unknown) => {
          costs.unmeasured[job.function] = error instanceof Error ? error.message : String(error);
        });
    };
    await each(options.consumers, async (job) => {
      const handler = await load(job);
      // A bare handler takes the batch as the consumer does: records at once, or one at a time.
      const concurrent = handler.consumer?.concurrent ?? true;
      const batch = () => batchOf(job.consumes, options.batchSize);
      const { calls } = await firstAndWarm(() => handler(batch(), context()), options.batchSize);
      const bare = bareConsumer(await planFor(calls.callsPerUnit, options.batchSize), concurrent);
      const cost = await quietly(() =>
        compare(
          () => handler(batch(), context()),
          () => bare(batch()),
          options.rounds,
          options.batchSize,
        ),
      );
      costs.consumers[job.function] = { ...cost, ...calls, concurrent };
    });
    await each(options.http, async (job) => {
      const handler = await load(job);
      const request = () => httpRequest(job.route, job.sample);
      const { result, calls } = await firstAndWarm(() => handler(request(), context()), 1);
      const status = (result as { statusCode?: number } | undefined)?.statusCode ?? 200;
      const bare = bareHttp(await planFor(calls.callsPerUnit, 1), status);
      const cost = await quietly(() =>
        compare(
          () => handler(request(), context()),
          () => bare(request()),
          options.rounds,
          1,
        ),
      );
      costs.http[job.function] = { ...cost, ...calls, status };
    });
    return costs;
  } finally {
    clients.destroy();
    process.env = saved;
    await stub.close();
  }
}

/**
 * The same, in a process of its own: the handlers' modules build their AWS clients once per
 * process, so there they point at the stub and nowhere else — and the caller's point at the
 * emulator. Started before the functions are packaged, it loads its libraries meanwhile (no
 * figure depends on when they load), then measures once given the functions.
 */
export function startHandlerCostApart(): {
  measure: (options: HandlerCostOptions) => Promise<HandlerCosts>;
  stop: () => void;
} {
  const here = fileURLToPath(import.meta.url);
  const tsx = path.resolve(path.dirname(here), '..', '..', 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, [here], { env: { ...process.env, ...BASE_ENV } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    measure: async (options) => {
      child.stdin.end(JSON.stringify(options));
      const code = await exited;
      if (code !== 0)
        throw new Error(
          `The handler benchmark failed: ${stderr.trim().split('\n').slice(-8).join('\n')}`,
        );
      return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as HandlerCosts;
    },
    stop: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // The consumer mechanism every consumer loads, while the caller packages the functions.
  import('../../shared/consumer.ts')
    .catch(() => undefined)
    .then(readStdin)
    .then((input) => measureHandlerCost(JSON.parse(input) as HandlerCostOptions))
    .then(
      (result) => {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
}
