import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { parse } from 'yaml';
import { startFaultProxy } from '../../chaos/fault-proxy.ts';
import { LOCAL_WEBHOOK } from '../../emulator/local-env.ts';
import { openApiPath } from '../../generate-openapi.ts';
import { conformanceChecker, type Exchange } from '../../lib/openapi-conformance.ts';
import { percentile } from '../../lib/stats.ts';
import {
  deployLocalStack,
  type LocalDeployOptions,
  localWebhookSecret,
  type StackOutputs,
  stackName,
} from '../../local/stack.ts';
import { startWebhookReceiver } from '../../local/webhook-receiver.ts';
import { functionEntries } from '../../serverless/bundles.ts';
import { SWITCH } from '../../serverless/local-faults.ts';
import { deployBareStage } from './bare/deploy.ts';
import { pool, rawBusRate } from './raw-bus.ts';

// End to end on the deployed local stack (its own emulator stage, `bench`): calculations through
// the HTTP API until each one's webhook arrives, with every AWS call the functions make counted
// by a transparent proxy in front of the emulator (the chaos run's, with no faults). Beside it,
// in the same run and the same emulator, its floor: stage `bare`, the same stack with every
// handler replaced by a bare one written with the AWS SDK only (bare/), behind a proxy of its
// own, driven with the same load in alternating rounds — and the emulator's raw SNS → SQS rate.
// Where the time goes, per function and stage: the durations of the emulator's REPORT lines.

const STAGES = {
  real: { stage: 'bench', proxyPort: 4568, receiverPort: 4597 }, // not the e2e tier's 4599 nor chaos's 4598
  bare: { stage: 'bare', proxyPort: 4569, receiverPort: 4596 },
};
/** Rounds per stage at most, alternating which stage goes first; each keeps every client busy. */
const ROUNDS = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentiles = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)) };
};

/** A function's invocations in the measured rounds, from the emulator's REPORT lines. */
export interface FunctionTime {
  invocations: number;
  /** Mean REPORT duration, ms (the emulator's, from dispatch to answer: init included when cold). */
  msPerInvocation: number;
  /** All its durations over the calculations, ms per calculation. */
  msPerCalculation: number;
}

/** One stage's figures over its rounds. */
export interface StageRun {
  stage: string;
  perSecond: number;
  /** POST → first webhook received, per calculation. */
  latencyMs: { p50: number; p99: number };
  /** POST /calculations alone, client side: where the emulator's API Gateway → Lambda path spends. */
  postLatencyMs: { p50: number; p99: number };
  /** AWS calls the functions made per calculation, by service:Operation. */
  awsCallsPerCalculation: Record<string, number>;
  awsCallsPerCalculationTotal: number;
  /** By function (its serverless.yml name). */
  functions: Record<string, FunctionTime>;
}

export interface EndToEnd extends StageRun {
  calculations: number;
  concurrency: number;
  rounds: number;
  rawBusPerSecond: number;
  /** perSecond / rawBusPerSecond. */
  vsRawBus: number;
  /** The same topology with bare handlers, same load, alternating rounds. */
  bare: StageRun;
  /** perSecond / bare.perSecond (1: as fast as bare handlers). */
  vsBare: number;
  /** latency / bare latency (1: as fast; above: slower). */
  latencyVsBare: { p50: number; p99: number };
}

interface Stage {
  name: string;
  stack: StackOutputs;
  proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  receiver?: Awaited<ReturnType<typeof startWebhookReceiver>>;
  /** When each calculation's first accepted webhook arrived (performance.now() clock). */
  notified: Map<string, number>;
  sentAt: Map<string, number>;
  latencies: number[];
  posts: number[];
  ms: number;
  /** What each answer does that openapi.yaml does not say: the product's stage only. */
  check?: (exchange: Exchange) => string[];
}

/** Deploy a stage behind a counting proxy of its own, with a webhook receiver, and warm it. */
async function startStage(
  { stage, proxyPort, receiverPort }: (typeof STAGES)['real'],
  deploy: (options: LocalDeployOptions & { stage: string }) => Promise<StackOutputs>,
  stages: Stage[],
  check?: Stage['check'],
): Promise<Stage> {
  const proxy = await startFaultProxy({
    // A test run observing IAM puts its observer behind the product's stage; the bare floor's
    // handlers are not the product's, so their calls are not held to its roles.
    target:
      (stage === STAGES.real.stage ? process.env[SWITCH] : undefined) ??
      process.env.AWS_ENDPOINT_URL ??
      'http://127.0.0.1:4566',
    port: proxyPort,
  });
  const s: Stage = {
    name: stage,
    stack: undefined as unknown as StackOutputs,
    proxy,
    notified: new Map(),
    sentAt: new Map(),
    latencies: [],
    posts: [],
    ms: 0,
    ...(check ? { check } : {}),
  };
  stages.push(s); // stopped by the caller, whatever happens next
  s.stack = await deploy({
    quiet: true,
    stage,
    webhookUrl: `http://${LOCAL_WEBHOOK.host}:${receiverPort}${LOCAL_WEBHOOK.path}`,
    functionsAwsEndpoint: proxy.url,
  });
  if (!s.stack.apiUrl) throw new Error(`Stage ${stage} has no HTTP API`);
  // Its secret lives in the emulator, so the receiver starts once the stage is deployed.
  s.receiver = await startWebhookReceiver({
    secret: await localWebhookSecret(stage),
    host: LOCAL_WEBHOOK.host,
    port: receiverPort,
    path: LOCAL_WEBHOOK.path,
    onDelivery: (d) => {
      const id = d.event?.data.calculationId as string | undefined;
      if (d.status === 200 && id && !s.notified.has(id))
        s.notified.set(id, d.receivedAt.getTime() - performance.timeOrigin);
    },
  });
  // Warm every function once, then count from zero.
  const warm = await post(s);
  for (let waited = 0; !s.notified.has(warm); waited += 200) {
    if (waited > 60_000)
      throw new Error(`Stage ${stage}: the warm-up calculation was never notified`);
    await sleep(200);
  }
  await sleep(2_000); // its notification.sent and storage updates settle
  for (const key of Object.keys(proxy.byOperation)) delete proxy.byOperation[key];
  return s;
}

async function post(s: Stage): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${s.stack.apiUrl}/calculations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ operation: 'add', a: '0.1', b: '0.2' }),
    });
    const body = await response.text();
    // Every answer the product gives under load is held to its OpenAPI document, as in the e2e tier.
    const mismatches = s.check?.({
      method: 'POST',
      path: '/calculations',
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body,
    });
    if (mismatches?.length)
      throw new Error(
        `Stage ${s.name}: POST /calculations answered what openapi.yaml does not say:\n${mismatches.join('\n')}`,
      );
    if (response.status === 202)
      return (JSON.parse(body) as { calculationId: string }).calculationId;
    if (attempt === 3)
      throw new Error(`Stage ${s.name}: POST /calculations answered ${response.status}`);
  }
}

/** `n` calculations at `concurrency` until every one is notified; the round's time is added up. */
async function round(s: Stage, n: number, concurrency: number) {
  const ids: string[] = [];
  const start = performance.now();
  await pool(n, concurrency, async () => {
    const before = performance.now();
    const id = await post(s);
    s.posts.push(performance.now() - before);
    s.sentAt.set(id, before);
    ids.push(id);
  });
  const deadline = Date.now() + 10 * 60_000;
  while (ids.some((id) => !s.notified.has(id))) {
    if (Date.now() > deadline)
      throw new Error(
        `Stage ${s.name}: ${ids.filter((id) => !s.notified.has(id)).length} calculations never notified`,
      );
    await sleep(50);
  }
  const at = ids.map((id) => s.notified.get(id) ?? 0);
  s.ms += Math.max(...at) - start;
  ids.forEach((id, i) => {
    s.latencies.push((at[i] ?? 0) - (s.sentAt.get(id) ?? 0));
  });
}

/** Each function's REPORT lines of the stage since `since` (epoch ms), over `calculations`. */
async function functionTimes(
  root: string,
  stage: string,
  since: number,
  calculations: number,
): Promise<Record<string, FunctionTime>> {
  const logs = new CloudWatchLogsClient({});
  try {
    const times: Record<string, FunctionTime> = {};
    for (const f of functionEntries(root)) {
      const { events = [] } = await logs
        .send(
          new FilterLogEventsCommand({
            logGroupName: `/aws/lambda/${stackName(stage)}-${f.name}`,
            startTime: since,
            filterPattern: 'REPORT',
            limit: 10_000,
          }),
        )
        .catch((error: unknown) => {
          if (error instanceof ResourceNotFoundException) return { events: [] };
          throw error;
        });
      const durations = events.flatMap((e) => {
        const ms = /\tDuration: ([\d.]+) ms/.exec(e.message ?? '')?.[1];
        return ms ? [Number(ms)] : [];
      });
      const total = durations.reduce((a, b) => a + b, 0);
      times[f.name] = {
        invocations: durations.length,
        msPerInvocation: durations.length ? total / durations.length : 0,
        msPerCalculation: total / calculations,
      };
    }
    return times;
  } finally {
    logs.destroy();
  }
}

export async function measureEndToEnd({
  root,
  calculations,
  concurrency,
  log,
}: {
  root: string;
  calculations: number;
  concurrency: number;
  log: (line: string) => void;
}): Promise<EndToEnd> {
  const stages: Stage[] = [];
  try {
    log('deploying stage bench (functions call AWS through a counting proxy) …');
    const real = await startStage(
      STAGES.real,
      deployLocalStack,
      stages,
      conformanceChecker(parse(readFileSync(openApiPath, 'utf8'))),
    );
    log('deploying stage bare: the same stack, every handler replaced by a bare one …');
    const bare = await startStage(STAGES.bare, (o) => deployBareStage(root, o), stages);

    const rounds = Math.max(1, Math.min(ROUNDS, Math.floor(calculations / concurrency)));
    log(
      `${calculations} calculations on each stage at concurrency ${concurrency}, ${rounds} alternating rounds …`,
    );
    const since = Date.now();
    for (let i = 0; i < rounds; i++) {
      // The calculations spread over the rounds; which stage goes first alternates.
      const n =
        Math.floor(((i + 1) * calculations) / rounds) - Math.floor((i * calculations) / rounds);
      for (const s of i % 2 ? [bare, real] : [real, bare]) {
        await round(s, n, concurrency);
        await sleep(1_000); // its last notification.sent and storage writes, before the other's round
      }
    }
    const runOf = async (s: Stage): Promise<StageRun> => {
      const counted = s.proxy.byOperation;
      const total = Object.values(counted).reduce((a, b) => a + b, 0) / calculations;
      return {
        stage: s.name,
        perSecond: (calculations * 1000) / s.ms,
        latencyMs: percentiles(s.latencies),
        postLatencyMs: percentiles(s.posts),
        awsCallsPerCalculation: Object.fromEntries(
          Object.entries(counted)
            .sort()
            .map(([k, n]) => [k, Number((n / calculations).toFixed(2))]),
        ),
        awsCallsPerCalculationTotal: Number(total.toFixed(2)),
        functions: await functionTimes(root, s.name, since, calculations),
      };
    };
    const realRun = await runOf(real);
    const bareRun = await runOf(bare);

    log('raw SNS → SQS rate …');
    const rawBusPerSecond = await rawBusRate(Math.max(500, calculations * 2), concurrency);
    return {
      calculations,
      concurrency,
      rounds,
      ...realRun,
      rawBusPerSecond,
      vsRawBus: realRun.perSecond / rawBusPerSecond,
      bare: bareRun,
      vsBare: realRun.perSecond / bareRun.perSecond,
      latencyVsBare: {
        p50: realRun.latencyMs.p50 / Math.max(1, bareRun.latencyMs.p50),
        p99: realRun.latencyMs.p99 / Math.max(1, bareRun.latencyMs.p99),
      },
    };
  } finally {
    for (const s of stages) {
      await s.receiver?.close();
      await s.proxy.close();
    }
  }
}
