import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ColdImportReport, measureColdImports } from './cold-import.ts';
import { type ColdInvoke, type ColdInvokeJob, measureColdInvokes } from './cold-invoke.ts';
import { type PackagedFunction, packageFunctions } from './functions.ts';
import { type HandlerCost, type HttpJob, startHandlerCostApart } from './handler-cost.ts';
import { batchOf, type HttpSample, httpRequest } from './handler-inputs.ts';
import type { StubSetup } from './stub-aws.ts';
import { measureTracingCost, type TracingCost } from './tracing-cost.ts';

// `npm run bench`: every figure side by side from one run, each beside what it is compared with.
// Per function, for whatever functions the template deploys: cold import against a bare bundle
// of its AWS clients, each consumer's (and HTTP function's) handler stack against a bare handler
// making the same AWS calls, and init + its first invocation in a fresh process against the same
// bare handler bundled on its own. A scenario — the example domain's, in
// scripts/bench/example/scenario.ts, loaded only when present — adds sample requests for HTTP
// routes that take a body, and the end-to-end run on a deployed emulator stage.

export interface BenchOptions {
  root: string;
  /** Latency of every stubbed AWS call in the handler benchmarks, ms. */
  latencyMs: number;
  rounds: number;
  coldImportRuns: number;
  calculations: number;
  concurrency: number;
  /** Run the scenario's end-to-end part (needs the emulator), when there is a scenario. */
  endToEnd: boolean;
  log: (line: string) => void;
}

export interface ConsumerCost extends HandlerCost {
  /** Its custom.consumers name, handler source and the event types its sample batches held. */
  consumer: string;
  source: string;
  consumes: string[];
}

export interface HttpCost extends HandlerCost {
  route: string;
}

export interface BenchReport {
  machine: { date: string; cpus: number; node: string };
  coldImport: ColdImportReport;
  /** Worst function: ms / the bare bundle creating the same clients. */
  coldImportVsBare?: number;
  coldImportVsBareByFunction: Record<string, number>;
  /** Per function: init + its first invocation (10-record batch or one request) in a fresh process. */
  coldInvoke: ColdInvoke[];
  /** Worst function: ms / a bare handler bundle doing the same in a fresh process. */
  coldInvokeVsBare?: number;
  coldInvokeVsBareByFunction: Record<string, number>;
  /** Per consumer function: its real handler on a 10-record batch against a bare handler. */
  consumers: Record<string, ConsumerCost>;
  /**
   * Worst consumer stack / bare handler, 10-record batch — over the consumers that make AWS calls
   * (a bare handler making none is next to free, so that ratio says little), or over all.
   */
  stackVsBare?: number;
  stackVsBareByFunction: Record<string, number>;
  /** Per HTTP function (its first route): its real handler against a bare handler. */
  http: Record<string, HttpCost>;
  httpStackVsBare?: number;
  httpStackVsBareByFunction: Record<string, number>;
  /** Per function: its cold start and bundle with Powertools Tracer (tracing: Active) and without. */
  tracing: TracingCost[];
  /** Functions without a figure, and why (a route needing a sample request, a module failing to load). */
  unmeasured: Record<string, string>;
  assumptions: string[];
  /** The scenario's figures (the example's: endToEnd, e2eVsRawBus, USD per calculation …). */
  [scenarioFigure: string]: unknown;
}

export type Row = [figure: string, value: string, comparedWith: string];

/** What a domain adds to the bench: scripts/bench/example/scenario.ts exports one. */
export interface BenchScenario {
  /** Sample requests for HTTP routes that take a body, by route (`POST /orders`). */
  httpSamples?: Record<string, HttpSample>;
  /** What a function needs of the stubbed AWS to do its work (its SSM parameters, say). */
  stub?: (f: PackagedFunction) => StubSetup | undefined;
  /** The end-to-end part, after the per-function figures: its report fields, rows and assumptions. */
  endToEnd?: (
    options: BenchOptions,
    report: BenchReport,
    functions: PackagedFunction[],
  ) => Promise<{ figures: Record<string, unknown>; rows: Row[]; assumptions: string[] }>;
}

const SCENARIO = path.join('scripts', 'bench', 'example', 'scenario.ts');

/** The example scenario, if the fork still has it (`npm run remove:examples` deletes it). */
export async function loadScenario(root: string): Promise<BenchScenario | undefined> {
  const file = path.join(root, SCENARIO);
  if (!existsSync(file)) return undefined;
  return ((await import(pathToFileURL(file).href)) as { scenario: BenchScenario }).scenario;
}

// The scenario's table rows, kept beside the report rather than in its JSON.
const scenarioRows = new WeakMap<BenchReport, Row[]>();

const NO_BODY = /^(GET|HEAD|DELETE|OPTIONS) /;
const worst = (ratios: number[]) => (ratios.length ? Math.max(...ratios) : undefined);
const ratiosOf = (costs: Record<string, HandlerCost>) =>
  Object.fromEntries(Object.entries(costs).map(([name, c]) => [name, c.ratio]));

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'bench-'));
  const handlerCost = startHandlerCostApart();
  try {
    const scenario = await loadScenario(o.root);
    o.log('packaging every function (serverless package --stage prod) …');
    const packaged = packageFunctions({ root: o.root, workDir });
    const { functions } = packaged;
    o.log(`cold imports of ${functions.length} functions (fresh node processes) …`);
    const coldImport = await measureColdImports({
      root: o.root,
      workDir,
      runs: o.coldImportRuns,
      packaged,
    });

    // Consumers get batches of what they consume; HTTP functions their first route, with a
    // sample request when it takes a body.
    const unmeasured: Record<string, string> = {};
    const job = (f: PackagedFunction) => {
      const stub = scenario?.stub?.(f);
      return {
        function: f.name,
        source: f.source,
        exportName: f.exportName,
        env: f.env,
        ...(stub ? { stub } : {}),
      };
    };
    const consumers = functions.flatMap((f) =>
      f.consumer ? [{ ...job(f), consumes: f.consumer.consumes }] : [],
    );
    const http = functions.flatMap((f): HttpJob[] => {
      const route = f.routes[0];
      if (f.consumer) return [];
      if (!route) {
        unmeasured[f.name] = 'neither a queue consumer nor an HTTP route: its cold import only';
        return [];
      }
      const sample = NO_BODY.test(route) ? {} : scenario?.httpSamples?.[route];
      if (sample) return [{ ...job(f), route, sample }];
      unmeasured[f.name] = `${route} takes a body and no scenario gives a sample request`;
      return [];
    });
    o.log(
      `handler stacks of ${consumers.length} consumers and ${http.length} HTTP functions against bare handlers (AWS stubbed at ${o.latencyMs} ms a call) …`,
    );
    const costs = await handlerCost.measure({
      root: o.root,
      latencyMs: o.latencyMs,
      rounds: o.rounds,
      batchSize: 10,
      consumers,
      http,
    });
    Object.assign(unmeasured, costs.unmeasured);

    // The same handlers' cold starts: each bundle in a fresh process with its first event.
    const coldJobs: ColdInvokeJob[] = [
      ...consumers.flatMap((j) => {
        const cost = costs.consumers[j.function];
        if (!cost) return [];
        const event = batchOf(j.consumes, 10);
        const { concurrent = true, firstCallsPerUnit } = cost;
        return [{ ...j, event, units: 10, callsPerUnit: firstCallsPerUnit, concurrent }];
      }),
      ...http.flatMap((j) => {
        const cost = costs.http[j.function];
        if (!cost) return [];
        const event = httpRequest(j.route, j.sample);
        return [
          { ...j, event, units: 1, callsPerUnit: cost.firstCallsPerUnit, status: cost.status },
        ];
      }),
    ];
    o.log(
      `cold starts of ${coldJobs.length} functions: init + first invocation, against bare bundles …`,
    );
    const coldInvoke = await measureColdInvokes({
      root: o.root,
      workDir,
      runs: o.coldImportRuns,
      latencyMs: o.latencyMs,
      jobs: coldJobs,
    });
    o.log('the same cold starts with Powertools Tracer bundled (tracing: Active) and without …');
    const tracing = await measureTracingCost({
      root: o.root,
      workDir,
      runs: o.coldImportRuns,
      latencyMs: o.latencyMs,
      jobs: coldJobs,
    });
    const coldInvokeVsBareByFunction = Object.fromEntries(
      coldInvoke.map((c) => [c.function, c.vsBare]),
    );

    const deployed = coldImport.functions.filter((f) => !f.function.includes('('));
    const coldImportVsBareByFunction = Object.fromEntries(
      deployed.map((f) => [f.function, f.vsBare]),
    );
    const consumerCosts = Object.fromEntries(
      Object.entries(costs.consumers).map(([name, cost]) => {
        const f = functions.find((fn) => fn.name === name);
        return [
          name,
          {
            consumer: f?.consumer?.name ?? name,
            source: f?.source ?? '',
            consumes: f?.consumer?.consumes ?? [],
            ...cost,
          },
        ];
      }),
    );
    const httpCosts = Object.fromEntries(
      Object.entries(costs.http).map(([name, cost]) => [
        name,
        { route: http.find((j) => j.function === name)?.route ?? '', ...cost },
      ]),
    );
    const calling = Object.values(costs.consumers).filter(
      (c) => Object.keys(c.callsPerUnit).length > 0,
    );
    const report: BenchReport = {
      machine: {
        date: new Date().toISOString().slice(0, 10),
        cpus: cpus().length,
        node: process.version,
      },
      coldImport,
      coldImportVsBare: worst(Object.values(coldImportVsBareByFunction)),
      coldImportVsBareByFunction,
      coldInvoke,
      coldInvokeVsBare: worst(Object.values(coldInvokeVsBareByFunction)),
      coldInvokeVsBareByFunction,
      consumers: consumerCosts,
      stackVsBare: worst(
        (calling.length ? calling : Object.values(costs.consumers)).map((c) => c.ratio),
      ),
      stackVsBareByFunction: ratiosOf(costs.consumers),
      http: httpCosts,
      httpStackVsBare: worst(Object.values(costs.http).map((c) => c.ratio)),
      httpStackVsBareByFunction: ratiosOf(costs.http),
      tracing,
      unmeasured,
      assumptions: [],
    };
    if (!o.endToEnd || !scenario?.endToEnd) return report;

    const { figures, rows, assumptions } = await scenario.endToEnd(o, report, functions);
    Object.assign(report, figures);
    report.assumptions.push(...assumptions);
    scenarioRows.set(report, rows);
    return report;
  } finally {
    handlerCost.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

/** `service:Operation n, …` per record or request. */
const callList = (calls: Record<string, number>) =>
  Object.keys(calls).length
    ? Object.entries(calls)
        .map(([k, n]) => `${k} ${Number(n.toFixed(2))}`)
        .join(', ')
    : 'no AWS calls';

/** The side-by-side table. */
export function formatBench(r: BenchReport): string {
  const rows: Row[] = [
    ['figure', 'value', 'compared with'],
    ['empty node start', `${f1(r.coldImport.emptyNodeMs)} ms`, ''],
    ...r.coldImport.functions.flatMap((f): Row[] => [
      [
        `cold import ${f.function}`,
        `${f1(f.ms)} ms`,
        `${f2(f.vsEmptyNode)}× empty node, ${f2(f.vsBare)}× a bare bundle of its AWS clients (${f1(f.bareMs)} ms)`,
      ],
      ...(f.function.includes('(')
        ? []
        : [
            [
              '  its bundle, minified',
              `${f.bundleKb.toFixed(0)} KB`,
              `bare ${f.bareKb.toFixed(0)} KB; beyond it: ${f.aboveBare
                .slice(0, 6)
                .map((p) => `${p.part} ${p.kb.toFixed(0)} KB`)
                .join(', ')}`,
            ] as Row,
          ]),
    ]),
    ...r.coldInvoke.flatMap((c): Row[] => [
      [
        `cold start ${c.function}, init + first ${c.first}`,
        `${f1(c.ms)} ms`,
        `${f2(c.vsBare)}× a bare handler bundle doing the same (${f1(c.bareMs)} ms, ${c.bareKb.toFixed(0)} KB)`,
      ],
      [
        '  loaded, then first invocation',
        `${f1(c.loadedMs)} + ${f1(c.invokedMs)} ms`,
        `bare ${f1(c.bareLoadedMs)} + ${f1(c.bareInvokedMs)} ms (in process); CPU ${f2(c.cpuVsBare)}× bare`,
      ],
      ...(c.failure ? [['  its first invocation logged', '', c.failure] as Row] : []),
    ]),
    ...Object.entries(r.consumers).flatMap(([name, c]): Row[] => [
      [
        `consumer stack ${name}, 10-record batch`,
        `${f1(c.stackMs)} ms (${c.stackPerSecond.toFixed(0)} records/s)`,
        `${f2(c.ratio)}× bare handler (${f1(c.bareMs)} ms, ${c.barePerSecond.toFixed(0)} records/s)`,
      ],
      [
        '  per record',
        `${f2((c.stackMs - c.bareMs) / 10)} ms over bare`,
        `${callList(c.callsPerUnit)}; records of ${c.consumes.join(', ')}${c.concurrent === false ? ', one at a time (bare too)' : ''}`,
      ],
      ...(c.failure ? [['  its sample batch logged', '', c.failure] as Row] : []),
    ]),
    ...Object.entries(r.http).flatMap(([name, h]): Row[] => [
      [
        `HTTP stack ${name}, ${h.route}`,
        `${f1(h.stackMs)} ms (answered ${h.status})`,
        `${f2(h.ratio)}× bare handler (${f1(h.bareMs)} ms); ${callList(h.callsPerUnit)}`,
      ],
      ...(h.failure ? [['  its sample request logged', '', h.failure] as Row] : []),
    ]),
    ...(r.tracing ?? []).map(
      (t): Row => [
        `tracing on ${t.function}, cold start`,
        `${f1(t.onMs)} ms, ${t.onKb.toFixed(0)} KB`,
        `${f2(t.onVsOff)}× tracing off (${f1(t.offMs)} ms, ${t.offKb.toFixed(0)} KB: no Tracer bundled)`,
      ],
    ),
    ...Object.entries(r.unmeasured).map(([name, why]): Row => [`not measured: ${name}`, '', why]),
  ];
  if (r.coldImport.functions.length === 0)
    rows.push(['functions', '0', 'serverless.yml deploys none yet: npm run new:service adds one']);
  if (r.coldImportVsBare !== undefined)
    rows.push(['worst cold import vs bare bundle', `${f2(r.coldImportVsBare)}×`, '']);
  if (r.coldInvokeVsBare !== undefined)
    rows.push(['worst cold start vs bare handler bundle', `${f2(r.coldInvokeVsBare)}×`, '']);
  if (r.stackVsBare !== undefined)
    rows.push([
      'worst consumer stack vs bare handler',
      `${f2(r.stackVsBare)}×`,
      'over the consumers making AWS calls, if any do',
    ]);
  rows.push(...(scenarioRows.get(r) ?? []));
  const w0 = Math.max(...rows.map((row) => row[0].length));
  const w1 = Math.max(...rows.map((row) => row[1].length));
  return [
    ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd()),
    ...r.assumptions.map((a) => `* ${a}`),
  ].join('\n');
}
