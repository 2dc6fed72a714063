import { randomUUID } from 'node:crypto';
import { ListQueuesCommand, PurgeQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { currentContract, type EventType } from '../../events/registry.ts';
import { sqsClient } from '../../shared/aws/clients.ts';
import { startIamObserver } from '../iam/observer.ts';
import { deployedFunctionRoles } from '../iam/stack-roles.ts';
import { deployLocalStack, serviceName } from '../local/stack.ts';
import { sourceQueueOf } from '../operations/source-queue.ts';
import { startBusAudit } from './bus-audit.ts';
import { busPublisher, driveEngineEvents, ENGINE_SOURCE, sendPoison } from './drive.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { judgeConsumers, judgeOutboxes } from './oracle.ts';
import { quietWaiter } from './queues.ts';
import { hasContractCode, readAllLetters, redriveRounds } from './redrive-rounds.ts';
import { type ChaosReport, emptyReport } from './report.ts';
import type { ChaosScenario, ScenarioRun, ScenarioVerdict } from './scenario.ts';
import {
  type Consumer,
  consumersUnderTest,
  deployedFunctions,
  loadScenarios,
  recordKey,
} from './subjects.ts';

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

/**
 * Hold the outage (from `from`, at least `seconds`) until some consumer has spent every retry
 * of a record on it and dead-lettered it — up to four times as long. How many receives fit in
 * a fixed outage depends on the machine's load (a slowed Lambda takes longer per receive), and
 * a run whose outage exhausted nothing would not prove the redrive path.
 */
async function holdOutage(
  proxy: FaultProxy,
  from: number,
  seconds: number,
  log: (line: string) => void,
): Promise<void> {
  if (seconds <= 0) return;
  const cap = from + 4 * seconds * 1000;
  let until = from + seconds * 1000;
  for (;;) {
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now() - 1000)));
    if (proxy.exhausted() > 0 || until >= cap) break;
    until = Math.min(cap, until + 2_000);
    proxy.setRates({ outageUntil: until });
  }
  log(
    `outage of DynamoDB and SNS held ${((until - from) / 1000).toFixed(0)} s; records dead-lettered with their retries spent by then: ${proxy.exhausted()}`,
  );
}

/** A consumer as the run sees it: its queue and DLQ too. */
interface ConsumerUnderFaults extends Consumer {
  queueUrl: string;
  dlqUrl: string;
}

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
  const runs: Array<{ scenario: ChaosScenario; run: ScenarioRun }> = [];
  let audit: Awaited<ReturnType<typeof startBusAudit>> | undefined;
  try {
    // ── The stage, deployed with the proxy in front of AWS, and emptied ─────────────────────
    const webhookUrl = scenarios.find((s) => s.deploy?.webhookUrl)?.deploy?.webhookUrl;
    o.log(
      `deploying stage ${o.stage} (functions call AWS through ${proxy.url}); consumers: ${consumed.map((c) => `${c.name}${c.table ? ' (idempotency table)' : ''}`).join(', ') || 'none'}; scenarios: ${scenarios.map((s) => s.name).join(', ') || 'none'}`,
    );
    const stack = await deployLocalStack({
      quiet: true,
      stage: o.stage,
      functionsAwsEndpoint: proxy.url,
      ...(webhookUrl ? { webhookUrl } : {}),
    });
    const functions = await deployedFunctions(o.stage);
    // A hung call outlasts the longest function timeout: the invocation times out mid-record.
    const longest = Math.max(3, ...Object.values(functions).map((f) => f.timeout));
    proxy.setRates({ hangMs: (longest + 2) * 1000 });
    const sqs = sqsClient();
    await purgeStageQueues(sqs, o.stage);
    const consumers = await withQueues(sqs, consumed, stack.deadLetterQueues, o.stage);

    audit = await startBusAudit({
      sqs,
      topicArn: stack.eventsTopicArn,
      runId,
      log: o.log,
      onEvent: (event, body) => {
        for (const { run } of runs) run.onEvent?.(event, body);
      },
    });
    const publish = busPublisher(stack.eventsTopicArn);

    // ── Scenarios start; faults on; drive ────────────────────────────────────────────────────
    const scenarioEvents = scenarios.length ? Math.floor(o.events / 2 / scenarios.length) : 0;
    const engineCount = o.events - scenarioEvents * scenarios.length;
    const engineEvents = new Map<string, { type: string; data: unknown }>();
    let faultsOn = false;
    for (const scenario of scenarios)
      runs.push({
        scenario,
        run: await scenario.start({
          stack,
          runId,
          events: scenarioEvents,
          duplicates: o.duplicates,
          faults: o.faults,
          outageSeconds: o.outageSeconds,
          concurrency: o.concurrency,
          faultsOn: () => faultsOn,
          publish,
          engineEvents,
          functionEnvironment: (suffix) =>
            Object.entries(functions).find(([name]) => name.endsWith(suffix))?.[1].environment ??
            {},
          log: (line) => o.log(`${scenario.name}: ${line}`),
        }),
      });
    const lostDetails: string[] = [];
    const duplicateDetails: string[] = [];
    const typesWithExamples = types.filter((t) => currentContract(t as EventType).examples.length);
    for (const t of types)
      if (!typesWithExamples.includes(t))
        lostDetails.push(`contract ${t} has no example, so no event of it could be built`);

    const driveStart = Date.now();
    proxy.setRates({
      error: o.faults,
      crash: o.crashRate,
      hang: o.hangRate,
      // Once the first events are on their way: they meet it on every retry.
      outageUntil: o.outageSeconds > 0 ? driveStart + 2_000 + o.outageSeconds * 1000 : 0,
      exhaustedAt: Math.min(
        ...Object.values(functions).map((f) =>
          Number(f.environment.MAX_RECEIVE_COUNT ?? Number.POSITIVE_INFINITY),
        ),
      ),
    });
    faultsOn = true;
    const outageHeld = holdOutage(proxy, driveStart + 2_000, o.outageSeconds, o.log);
    o.log(
      `faults on: AWS calls ${o.faults}, crashes ${o.crashRate}, hangs ${o.hangRate} (held ${longest + 2} s), DynamoDB and SNS down for ${o.outageSeconds} s or more from 2 s in; ${engineCount} events of ${typesWithExamples.join(', ') || 'no type'}`,
    );
    const engineDrive = driveEngineEvents({
      count: engineCount,
      types: typesWithExamples,
      duplicates: o.duplicates,
      concurrency: o.concurrency,
      publish,
      sent: engineEvents,
    });
    const poison = await sendPoison({
      count: types.length ? Math.max(4, Math.round(o.events * o.poison)) : 0,
      types,
      runId,
      publish,
    });
    const [engineCopies] = await Promise.all([
      engineDrive,
      outageHeld,
      ...runs.map(({ run }) => run.drive()),
    ]);
    let duplicatesSent = engineCopies;
    o.log(
      `sent ${engineEvents.size} events (${duplicatesSent} duplicates) and ${poison.length} poison in ${((Date.now() - driveStart) / 1000).toFixed(1)} s`,
    );

    // ── Quiet, faults off ────────────────────────────────────────────────────────────────────
    const waitQuiet = quietWaiter({
      sqs,
      queues: [...consumers.map((c) => ({ name: c.name, url: c.queueUrl })), { url: audit.url }],
      timeoutMs: o.settleTimeoutMs,
      log: o.log,
    });
    await waitQuiet('with faults on');
    proxy.setRates({ error: 0, crash: 0, hang: 0, outageUntil: 0 });
    faultsOn = false;
    let askedAgain = false;
    for (const { run } of runs) askedAgain = (await run.afterFaults?.()) || askedAgain;
    if (askedAgain) await waitQuiet('after the scenarios asked again');
    const quietAfterSeconds = (Date.now() - driveStart) / 1000;
    o.log(
      `quiet after ${quietAfterSeconds.toFixed(1)} s; faults off. Injected: ${JSON.stringify(proxy.injected)}`,
    );

    // ── Dead letters: poison stays, the rest is redriven through a flaky SQS ────────────────
    const firstLook = new Map<string, Awaited<ReturnType<typeof readAllLetters>>>();
    for (const c of consumers) firstLook.set(c.name, await readAllLetters(sqs, c.dlqUrl));
    const redriven = await redriveRounds({
      sqs,
      targets: consumers,
      errorRate: o.faults,
      waitQuiet,
      log: o.log,
    });
    await waitQuiet('at the end');
    await new Promise((r) => setTimeout(r, 2_000)); // the tap's last events
    await audit.stop();
    const { seen } = audit;

    // ── The oracle ───────────────────────────────────────────────────────────────────────────
    const verdicts = await judgeConsumers({
      sqs,
      consumers: consumers.map((c) => ({ ...c, firstLook: firstLook.get(c.name) ?? [] })),
      seen,
      poison,
      // This run's poison (by its marker); any letter with a contract code is poison's kind too.
      isPoison: (l) => l.body.includes(`chaos-poison-${runId}-`) || hasContractCode(l),
      completionsOf: (consumer, id) => proxy.completions.get(recordKey(consumer, id)) ?? 0,
    });
    lostDetails.push(...verdicts.lost);
    duplicateDetails.push(...verdicts.duplicates);
    for (const id of engineEvents.keys())
      if (!seen.has(id)) lostDetails.push(`event ${id} was published but never seen on the bus`);
    lostDetails.push(
      ...(await judgeOutboxes({ tables: stack.outboxTables, since: startedAt, seen, log: o.log })),
    );
    if (verdicts.stuck.length)
      lostDetails.push(...redriven.errors.map((e) => `redrive failed: ${e}`));
    const scenarioVerdicts = await judgeScenarios(runs);
    for (const { name, verdict } of scenarioVerdicts) {
      lostDetails.push(...verdict.lost.map((d) => `${name}: ${d}`));
      duplicateDetails.push(...verdict.duplicates.map((d) => `${name}: ${d}`));
      duplicatesSent += verdict.duplicatesSent;
    }
    const completed = [...seen].filter(
      ([id, e]) =>
        types.includes(e.type) &&
        verdicts.handledBy.get(id) === consumers.filter((c) => c.consumes.includes(e.type)).length,
    ).length;
    const iam = await observer.check();
    return {
      events: seen.size + poison.length,
      engineEvents: engineEvents.size,
      handlerEvents: [...seen.values()].filter((e) => e.source !== ENGINE_SOURCE).length,
      poisonSent: poison.length,
      duplicatesSent,
      completed,
      deadLettered: verdicts.deadLettered,
      deadLetterCopies: verdicts.deadLetterCopies,
      deadLetteredByCode: verdicts.deadLetteredByCode,
      permanent: verdicts.permanent,
      redriven: redriven.redriven,
      failedAgainAfterRedrive: redriven.failedAgain,
      lost: lostDetails.length,
      lostDetails,
      duplicateEffects: duplicateDetails.length,
      duplicateDetails,
      stuck: verdicts.stuck,
      perConsumer: verdicts.perConsumer,
      scenarios: scenarioVerdicts,
      faultsInjected: { ...proxy.injected },
      redriveFaultsInjected: redriven.injected,
      otherRecordsCompletedTwice: otherRecordsCompletedTwice(consumers, proxy.completions),
      iamChecked: iam.checked,
      iamDenied: iam.denied,
      durationSeconds: (Date.now() - startedAt) / 1000,
      quietAfterSeconds,
    };
  } finally {
    for (const { run } of runs) await run.close().catch(() => undefined);
    await audit?.stop();
    await audit?.remove();
    await proxy.close();
    await observer.close();
  }
}

/** A clean slate, DLQs included: what an earlier run left must not count in this one. */
async function purgeStageQueues(sqs: SQSClient, stage: string) {
  const { QueueUrls = [] } = await sqs.send(
    new ListQueuesCommand({ QueueNamePrefix: `${serviceName()}-${stage}-`, MaxResults: 1000 }),
  );
  for (const QueueUrl of QueueUrls) await sqs.send(new PurgeQueueCommand({ QueueUrl }));
}

/** Each consumer with its DLQ (a stack output) and the queue that DLQ serves. */
async function withQueues(
  sqs: SQSClient,
  consumers: Consumer[],
  deadLetterQueues: Record<string, string>,
  stage: string,
): Promise<ConsumerUnderFaults[]> {
  const found: ConsumerUnderFaults[] = [];
  for (const c of consumers) {
    const dlqUrl = deadLetterQueues[c.name];
    if (!dlqUrl) throw new Error(`Stage ${stage} has no DLQ output for consumer ${c.name}`);
    found.push({ ...c, dlqUrl, queueUrl: await sourceQueueOf(sqs, dlqUrl) });
  }
  return found;
}

/** Each scenario's own oracle; one that fails says so as a loss. */
async function judgeScenarios(runs: Array<{ scenario: ChaosScenario; run: ScenarioRun }>) {
  const verdicts: ChaosReport['scenarios'] = [];
  for (const { scenario, run } of runs) {
    const verdict = await run.verdict().catch(
      (error: unknown): ScenarioVerdict => ({
        sent: 0,
        completed: 0,
        duplicatesSent: 0,
        lost: [`its oracle failed: ${(error as Error).message}`],
        duplicates: [],
        rows: [],
      }),
    );
    verdicts.push({ name: scenario.name, verdict });
  }
  return verdicts;
}

/**
 * Records a consumer does not keep per event id (an HTTP API's Idempotency-Key, a handler's own
 * per delivery) are shown, not judged: completed twice, the work ran twice, and whether that had
 * a second effect is for a scenario's oracle to say (derived ids make it harmless).
 */
function otherRecordsCompletedTwice(consumers: Consumer[], completions: Map<string, number>) {
  const consumerPrefixes = consumers.filter((c) => c.table).map((c) => `${c.name}#`);
  return [...completions]
    .filter(([key, n]) => n > 1 && !consumerPrefixes.some((p) => key.startsWith(p)))
    .map(([key, n]) => `${key} ×${n}`);
}
