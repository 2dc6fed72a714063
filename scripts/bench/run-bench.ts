import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { topology } from '../../events/topology.ts';
import { PRICES_USD, usdPerMillion } from './aws-costs.ts';
import { type ColdImportReport, measureColdImports } from './cold-import.ts';
import { type EndToEnd, measureEndToEnd } from './end-to-end.ts';
import { type HandlerCost, measureHandlerCostApart } from './handler-cost.ts';

// `npm run bench`: every figure side by side from one run, each beside what it is compared with.

export interface BenchOptions {
  root: string;
  /** Latency of every stubbed AWS call in the handler benchmarks, ms. */
  latencyMs: number;
  rounds: number;
  coldImportRuns: number;
  calculations: number;
  concurrency: number;
  /** Skip the part that needs the emulator (deploy, AWS calls, end to end). */
  endToEnd: boolean;
  log: (line: string) => void;
}

export interface BenchReport {
  machine: { date: string; cpus: number; node: string };
  coldImport: ColdImportReport;
  /** Worst function: ms / the bare bundle creating the same clients. */
  coldImportVsBare: number;
  consumer: HandlerCost;
  http: HandlerCost;
  /** Consumer stack / bare handler, 10-record batch. */
  stackVsBare: number;
  endToEnd?: EndToEnd;
  awsCallsPerCalculation?: Record<string, number>;
  awsCallsPerCalculationTotal?: number;
  usdPerMillionCalculations?: Record<string, number> & { total: number };
  e2eVsRawBus?: number;
  assumptions: string[];
}

/** Queue messages one calculation makes: each event of its flow × the services consuming it. */
function queueMessagesPerCalculation(): number {
  const flow = ['calculation.requested', 'calculation.completed', 'notification.sent'];
  return flow.reduce(
    (sum, type) =>
      sum +
      Object.values(topology.services).filter((s) => (s.consumes as string[]).includes(type))
        .length,
    0,
  );
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'bench-'));
  try {
    o.log('cold imports (serverless package --stage prod, then fresh node processes) …');
    const coldImport = await measureColdImports({ root: o.root, workDir, runs: o.coldImportRuns });
    o.log(`handler stacks against bare handlers (AWS stubbed at ${o.latencyMs} ms a call) …`);
    const { consumer, http } = measureHandlerCostApart({
      latencyMs: o.latencyMs,
      rounds: o.rounds,
      batchSize: 10,
    });
    const deployed = coldImport.functions.filter((f) => !f.function.includes('('));
    const report: BenchReport = {
      machine: {
        date: new Date().toISOString().slice(0, 10),
        cpus: (await import('node:os')).cpus().length,
        node: process.version,
      },
      coldImport,
      coldImportVsBare: Math.max(...deployed.map((f) => f.vsBare)),
      consumer,
      http,
      stackVsBare: consumer.ratio,
      assumptions: [],
    };
    if (!o.endToEnd) return report;

    const e2e = await measureEndToEnd({
      calculations: o.calculations,
      concurrency: o.concurrency,
      log: o.log,
    });
    const messages = queueMessagesPerCalculation();
    const invocations = 1 + messages; // the HTTP request, and at most one per queue message
    const lambdaMs = http.stackMs + messages * (consumer.stackMs / 10);
    const memory = (name: string) => deployed.find((f) => f.function === name)?.memoryMb ?? 1024;
    const workers = deployed.filter((f) => f.function.endsWith('Worker'));
    const memoryMb =
      (memory('CalculatorApi') +
        messages * (workers.reduce((s, f) => s + f.memoryMb, 0) / Math.max(1, workers.length))) /
      invocations;
    report.endToEnd = e2e;
    report.awsCallsPerCalculation = e2e.awsCallsPerCalculation;
    report.awsCallsPerCalculationTotal = e2e.awsCallsPerCalculationTotal;
    report.e2eVsRawBus = e2e.vsRawBus;
    report.usdPerMillionCalculations = usdPerMillion({
      callsPerCalculation: e2e.awsCallsPerCalculation,
      queueMessagesPerCalculation: messages,
      invocationsPerCalculation: invocations,
      msPerInvocation: lambdaMs / invocations,
      memoryMb,
      httpRequestsPerCalculation: 1,
    });
    report.assumptions = [
      `prices: AWS list, ${PRICES_USD.region}, no free tier, written down ${PRICES_USD.checked} (scripts/bench/aws-costs.ts)`,
      `Lambda: ${invocations} invocations per calculation (1 HTTP + ${messages} queue messages, batches of one: an upper bound), ${(lambdaMs / invocations).toFixed(1)} ms each (the stacks above at ${o.latencyMs} ms per AWS call, full batches), ${memoryMb.toFixed(0)} MB average, arm64`,
      `SQS: the event source mapping's ReceiveMessage + DeleteMessage per message; idle polling is per month, not per calculation`,
      'DynamoDB: every item under 1 KB, one unit per call; CloudWatch Logs and data transfer not counted',
    ];
    return report;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

/** The side-by-side table. */
export function formatBench(r: BenchReport): string {
  const rows: Array<[string, string, string]> = [
    ['figure', 'value', 'compared with'],
    ['empty node start', `${f1(r.coldImport.emptyNodeMs)} ms`, ''],
    ...r.coldImport.functions.flatMap(
      (f): Array<[string, string, string]> => [
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
              ] as [string, string, string],
            ]),
      ],
    ),
    [
      'consumer stack, 10-record batch',
      `${f1(r.consumer.stackMs)} ms (${r.consumer.stackPerSecond.toFixed(0)} records/s)`,
      `${f2(r.consumer.ratio)}× bare handler (${f1(r.consumer.bareMs)} ms, ${r.consumer.barePerSecond.toFixed(0)} records/s)`,
    ],
    [
      'HTTP stack, POST /calculations',
      `${f1(r.http.stackMs)} ms`,
      `${f2(r.http.ratio)}× bare handler (${f1(r.http.bareMs)} ms)`,
    ],
  ];
  if (r.endToEnd && r.usdPerMillionCalculations) {
    const e = r.endToEnd;
    rows.push(
      [
        `end to end, ${e.calculations} calculations at ${e.concurrency}`,
        `${f1(e.perSecond)} calculations/s, p50 ${e.latencyMs.p50} ms, p99 ${e.latencyMs.p99} ms`,
        `${(e.vsRawBus * 100).toFixed(1)}% of the raw SNS→SQS rate (${f1(e.rawBusPerSecond)} messages/s)`,
      ],
      [
        '  of which POST /calculations (client side)',
        `p50 ${e.postLatencyMs.p50} ms, p99 ${e.postLatencyMs.p99} ms`,
        `${f1(r.http.stackMs)} ms in process: the rest is the emulator's API Gateway → Lambda path`,
      ],
      [
        'AWS calls per calculation (functions)',
        f2(e.awsCallsPerCalculationTotal),
        Object.entries(e.awsCallsPerCalculation)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
      ],
      [
        'USD per 1M calculations',
        `$${f2(r.usdPerMillionCalculations.total)}`,
        Object.entries(r.usdPerMillionCalculations)
          .filter(([k]) => k !== 'total')
          .map(([k, n]) => `${k} $${f2(n)}`)
          .join(', '),
      ],
    );
  }
  const w0 = Math.max(...rows.map((row) => row[0].length));
  const w1 = Math.max(...rows.map((row) => row[1].length));
  return [
    ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`),
    ...r.assumptions.map((a) => `* ${a}`),
  ].join('\n');
}
