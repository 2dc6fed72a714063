import { randomUUID } from 'node:crypto';
import { startIamObserver } from '../iam/observer.ts';
import { deployedFunctionRoles } from '../iam/stack-roles.ts';
import { serviceName } from '../local/stack.ts';
import type { DeadLetter } from '../operations/dead-letters.ts';
import { startBusAudit } from './bus-audit.ts';
import { busPublisher } from './drive.ts';
import { startFaultProxy } from './fault-proxy.ts';
import {
  driveUnderFaults,
  type FaultSwitch,
  type ScenarioRunOf,
  startScenarios,
} from './faults-on.ts';
import { quietWaiter } from './queues.ts';
import { readAllLetters, redriveRounds } from './redrive-rounds.ts';
import { type ChaosReport, emptyReport } from './report.ts';
import type { ChaosScenario } from './scenario.ts';
import { deployChaosStage } from './stage.ts';
import { consumersUnderTest, loadScenarios } from './subjects.ts';
import { judgeRun } from './verdict.ts';

// The chaos proof for any topology: events of every type some consumer consumes, built from the
// contracts' examples with fresh ids, published with duplicates and poison while every AWS call
// the functions make goes through a fault proxy (errors, crashes, hangs); then the dead letters
// redriven through a flaky SQS, and an oracle per consumer read at the boundaries: every event
// on the bus (the engine's, the handlers' own, the scenarios') handled or dead-lettered with a
// reason, every queue drained, and no idempotency record completed twice. Scenario modules in
// scripts/chaos/scenarios/ add their domain's stricter oracle.

export interface ChaosOptions {
  /** Events to send, all kinds together (scenarios get half, shared among them, when there are any). */
  events: number;
  /** Share of inputs sent again, identically. */
  duplicates: number;
  /** Poison messages, as a share of `events` (at least one of each kind). */
  poison: number;
  /** Probability that an AWS call from a function fails (reset, 500, 503, throttling) while faults are on. */
  faults: number;
  /** Probability of a crash right before an idempotency record completes, and right after each side effect. */
  crashRate: number;
  /** Probability that an AWS call hangs past the function timeout. */
  hangRate: number;
  /**
   * How long a dependency is down once faults are on: DynamoDB and SNS for the functions (every
   * call 503, longer than a consumer's retry schedule: events are dead-lettered, then redriven —
   * held longer, up to 4×, until a record has spent its retries: holdOutage), and a scenario's
   * webhook-style target.
   */
  outageSeconds: number;
  concurrency: number;
  stage: string;
  /** Give up waiting for the system to go quiet after this long, and say what was left. */
  settleTimeoutMs: number;
  /** Scenario modules to run; default: every module in scripts/chaos/scenarios/. */
  scenarios?: ChaosScenario[];
  log: (line: string) => void;
}

export const defaultChaosOptions: ChaosOptions = {
  events: 300,
  duplicates: 0.1,
  poison: 0.01,
  faults: 0.2,
  crashRate: 0.02,
  hangRate: 0.001,
  // The chaos stage's shortRetry: 5 receives 1–2 s apart, each with the SDK's own retries: ~10 s.
  outageSeconds: 15,
  concurrency: 16,
  stage: 'chaos',
  settleTimeoutMs: 20 * 60_000,
  log: () => {},
};

const PROXY_PORT = 4567;

export async function runChaos(partial: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const o = { ...defaultChaosOptions, ...partial };
  const startedAt = Date.now();
  const runId = randomUUID().slice(0, 8);
  const consumed = consumersUnderTest().filter((c) => c.consumes.length);
  const scenarios = o.scenarios ?? (await loadScenarios());
  const types = [...new Set(consumed.flatMap((c) => c.consumes))].sort();
  if (!consumed.length && !scenarios.length) {
    o.log('nothing consumes events yet (custom.consumers is empty): nothing to prove');
    return emptyReport();
  }

  // Functions → fault proxy → IAM observer → emulator: every call that reaches AWS is judged
  // against the caller's role, the retries, duplicates and redrives the faults cause included.
  const observer = await startIamObserver({
    target: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
    loadRoles: deployedFunctionRoles,
  });
  const proxy = await startFaultProxy({
    target: observer.url,
    port: PROXY_PORT,
    crashOnly: `${serviceName()}-${o.stage}-`, // only this stage's Lambda workers
    everyKind: true, // a short run proves every kind too
  });
  const runs: ScenarioRunOf[] = [];
  let audit: Awaited<ReturnType<typeof startBusAudit>> | undefined;
  try {
    // ── The stage, deployed with the proxy in front of AWS, and emptied ─────────────────────
    o.log(
      `deploying stage ${o.stage} (functions call AWS through ${proxy.url}); consumers: ${consumed.map((c) => `${c.name}${c.table ? ' (idempotency table)' : ''}`).join(', ') || 'none'}; scenarios: ${scenarios.map((s) => s.name).join(', ') || 'none'}`,
    );
    const webhookUrl = scenarios.find((s) => s.deploy?.webhookUrl)?.deploy?.webhookUrl;
    const stage = await deployChaosStage({
      stage: o.stage,
      proxyUrl: proxy.url,
      consumed,
      ...(webhookUrl ? { webhookUrl } : {}),
    });
    // A hung call outlasts the longest function timeout: the invocation times out mid-record.
    proxy.setRates({ hangMs: (stage.longestTimeout + 2) * 1000 });
    audit = await startBusAudit({
      sqs: stage.sqs,
      topicArn: stage.stack.eventsTopicArn,
      runId,
      log: o.log,
      onEvent: (event, body) => {
        for (const { run } of runs) run.onEvent?.(event, body);
      },
    });

    // ── Scenarios start; faults on; drive ────────────────────────────────────────────────────
    const faults: FaultSwitch = { on: false };
    const engineEvents = new Map<string, { type: string; data: unknown }>();
    const publish = busPublisher(stage.stack.eventsTopicArn);
    const driving = { stage, runId, drive: o, faults, engineEvents, publish };
    await startScenarios({ ...driving, scenarios, runs });
    const drive = await driveUnderFaults({ ...driving, proxy, runs, types });

    // ── Quiet, faults off ────────────────────────────────────────────────────────────────────
    const waitQuiet = quietWaiter({
      sqs: stage.sqs,
      queues: [
        ...stage.consumers.map((c) => ({ name: c.name, url: c.queueUrl })),
        { url: audit.url },
      ],
      timeoutMs: o.settleTimeoutMs,
      log: o.log,
    });
    await waitQuiet('with faults on');
    proxy.setRates({ error: 0, crash: 0, hang: 0, outageUntil: 0 });
    faults.on = false;
    let askedAgain = false;
    for (const { run } of runs) askedAgain = (await run.afterFaults?.()) || askedAgain;
    if (askedAgain) await waitQuiet('after the scenarios asked again');
    const quietAfterSeconds = (Date.now() - drive.startedAt) / 1000;
    o.log(
      `quiet after ${quietAfterSeconds.toFixed(1)} s; faults off. Injected: ${JSON.stringify(proxy.injected)}`,
    );

    // ── Dead letters: poison stays, the rest is redriven through a flaky SQS ────────────────
    const firstLook = new Map<string, DeadLetter[]>();
    for (const c of stage.consumers)
      firstLook.set(c.name, await readAllLetters(stage.sqs, c.dlqUrl));
    const redriven = await redriveRounds({
      sqs: stage.sqs,
      targets: stage.consumers,
      errorRate: o.faults,
      waitQuiet,
      log: o.log,
    });
    await waitQuiet('at the end');
    await new Promise((r) => setTimeout(r, 2_000)); // the tap's last events
    await audit.stop();

    // ── The oracle ───────────────────────────────────────────────────────────────────────────
    return await judgeRun({
      runId,
      startedAt,
      types,
      stage,
      proxy,
      observer,
      seen: audit.seen,
      engineEvents,
      drive,
      runs,
      firstLook,
      redriven,
      quietAfterSeconds,
      log: o.log,
    });
  } finally {
    for (const { run } of runs) await run.close().catch(() => undefined);
    await audit?.stop();
    await audit?.remove();
    await proxy.close();
    await observer.close();
  }
}
