import { topology } from '../../../events/topology.ts';
import type { BenchScenario, Row } from '../run-bench.ts';
import { STUB_URL } from '../stub-aws.ts';
import { PRICES_USD, usdPerMillion } from './aws-costs.ts';
import { measureEndToEnd } from './end-to-end.ts';

// The example domain's part of `npm run bench` (run-bench.ts loads it when present;
// `npm run remove:examples` deletes this folder): a sample POST /calculations for the HTTP stack,
// the notifier's webhook target on the stubbed AWS, and calculations end to end on the deployed
// `bench` stage, with AWS calls and dollars per calculation.

/** The notifier's one webhook target on the stub, and its Standard Webhooks secret. */
const STUB_TARGET = 'bench';
const STUB_SECRET = `whsec_${Buffer.from('npm run bench stub secret').toString('base64')}`;

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

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

export const scenario: BenchScenario = {
  httpSamples: {
    'POST /calculations': { body: { operation: 'add', a: '0.1', b: '0.2' } },
  },

  // The notifier delivers to a target the stub answers (plain http: it listens on this machine),
  // signed with a secret from the stubbed SSM, as the deployed stage does with the emulator's.
  stub: ({ env }) => {
    const { WEBHOOK_TARGETS_PARAMETER: targets, WEBHOOK_SECRETS_PATH: secrets } = env;
    if (typeof targets !== 'string' || typeof secrets !== 'string') return undefined;
    return {
      parameters: {
        [targets]: JSON.stringify([{ name: STUB_TARGET, url: `${STUB_URL}/webhooks` }]),
        [`${secrets}${STUB_TARGET}`]: STUB_SECRET,
      },
      env: { WEBHOOK_ALLOW_HTTP: 'true' },
    };
  },

  endToEnd: async (o, report, functions) => {
    const e2e = await measureEndToEnd({
      root: o.root,
      calculations: o.calculations,
      concurrency: o.concurrency,
      log: o.log,
    });
    const messages = queueMessagesPerCalculation();
    const invocations = 1 + messages; // the HTTP request, and at most one per queue message
    const consumers = Object.values(report.consumers);
    const perMessageMs =
      consumers.reduce((sum, c) => sum + c.stackMs / 10, 0) / Math.max(1, consumers.length);
    const post = Object.values(report.http).find((h) => h.route === 'POST /calculations');
    const lambdaMs = (post?.stackMs ?? 0) + messages * perMessageMs;
    const api = functions.find((f) => f.routes.includes('POST /calculations'));
    const workers = functions.filter((f) => f.consumer);
    const memoryMb =
      ((api?.memoryMb ?? 1024) +
        messages * (workers.reduce((s, f) => s + f.memoryMb, 0) / Math.max(1, workers.length))) /
      invocations;
    const usd = usdPerMillion({
      callsPerCalculation: e2e.awsCallsPerCalculation,
      queueMessagesPerCalculation: messages,
      invocationsPerCalculation: invocations,
      msPerInvocation: lambdaMs / invocations,
      memoryMb,
      httpRequestsPerCalculation: 1,
    });
    const { bare } = e2e;
    const latency = (l: { p50: number; p99: number }) => `p50 ${l.p50} ms, p99 ${l.p99} ms`;
    const rows: Row[] = [
      [
        `end to end, ${e2e.calculations} calculations at ${e2e.concurrency}`,
        `${f1(e2e.perSecond)} calculations/s, ${latency(e2e.latencyMs)}`,
        `${(e2e.vsRawBus * 100).toFixed(1)}% of the raw SNS→SQS rate (${f1(e2e.rawBusPerSecond)} messages/s)`,
      ],
      [
        '  the same topology, bare handlers (stage bare)',
        `${f1(bare.perSecond)} calculations/s, ${latency(bare.latencyMs)}`,
        `rate ${f2(e2e.vsBare)}× bare; latency p50 ${f2(e2e.latencyVsBare.p50)}×, p99 ${f2(e2e.latencyVsBare.p99)}× bare (${e2e.rounds} alternating rounds each)`,
      ],
      [
        '  of which POST /calculations (client side)',
        latency(e2e.postLatencyMs),
        `bare ${latency(bare.postLatencyMs)}; ${f1(post?.stackMs ?? 0)} ms in process: the rest is the emulator's API Gateway → Lambda path`,
      ],
      ...Object.entries(e2e.functions).map(([name, t]): Row => {
        const b = bare.functions[name];
        return [
          `  time in ${name} (emulator REPORT lines)`,
          `${f1(t.msPerCalculation)} ms per calculation`,
          `bare ${f1(b?.msPerCalculation ?? 0)} ms; ${t.invocations} invocations of ${f1(t.msPerInvocation)} ms against ${b?.invocations ?? 0} of ${f1(b?.msPerInvocation ?? 0)} ms`,
        ];
      }),
      [
        'AWS calls per calculation (functions)',
        f2(e2e.awsCallsPerCalculationTotal),
        `${Object.entries(e2e.awsCallsPerCalculation)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}; bare ${f2(bare.awsCallsPerCalculationTotal)}`,
      ],
      [
        'USD per 1M calculations',
        `$${f2(usd.total)}`,
        Object.entries(usd)
          .filter(([k]) => k !== 'total')
          .map(([k, n]) => `${k} $${f2(n)}`)
          .join(', '),
      ],
    ];
    return {
      figures: {
        endToEnd: e2e,
        awsCallsPerCalculation: e2e.awsCallsPerCalculation,
        awsCallsPerCalculationTotal: e2e.awsCallsPerCalculationTotal,
        usdPerMillionCalculations: usd,
        e2eVsRawBus: e2e.vsRawBus,
        e2eVsBareTopology: e2e.vsBare,
        e2eLatencyVsBare: e2e.latencyVsBare,
      },
      rows,
      assumptions: [
        `prices: AWS list, ${PRICES_USD.region}, no free tier, written down ${PRICES_USD.checked} (scripts/bench/example/aws-costs.ts)`,
        `Lambda: ${invocations} invocations per calculation (1 HTTP + ${messages} queue messages, batches of one: an upper bound), ${(lambdaMs / invocations).toFixed(1)} ms each (the stacks above at ${o.latencyMs} ms per AWS call, full batches, consumers averaged), ${memoryMb.toFixed(0)} MB average, arm64`,
        `SQS: the event source mapping's ReceiveMessage + DeleteMessage per message; idle polling is per month, not per calculation`,
        'DynamoDB: every item under 1 KB, one unit per call; CloudWatch Logs and data transfer not counted',
      ],
    };
  },
};
