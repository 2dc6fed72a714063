import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { PublishCommand } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import pMap from 'p-map';
import { parse } from 'yaml';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import type { ContractViolationCode } from '../../events/contract-violation.ts';
import { currentContract, type EventType } from '../../events/registry.ts';
import { documentClient, snsClient, sqsClient } from '../../shared/aws/clients.ts';
import { describeChecked, startIamObserver } from '../iam/observer.ts';
import { deployedFunctionRoles } from '../iam/stack-roles.ts';
import { removeStaleTaps, tapEvents } from '../local/event-tap.ts';
import { deployLocalStack, serviceName, stackName } from '../local/stack.ts';
import { consumerPace } from '../operations/consumer-pace.ts';
import {
  type DeadLetter,
  NO_REASON,
  RedriveInterrupted,
  readDeadLetters,
  redrive,
  sourceQueueOf,
} from '../operations/dead-letters.ts';
import { outboxItemsOf } from '../operations/outbox-letters.ts';
import { cloudFormationTags } from '../serverless/cloudformation-yaml.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import type { ChaosScenario, ScenarioRun, ScenarioVerdict } from './scenario.ts';

// The chaos proof for any topology: events of every type some consumer consumes, built from the
// contracts' examples with fresh ids, published with duplicates and poison while every AWS call
// the functions make goes through a fault proxy (errors, crashes, hangs); then the dead letters
// redriven through a flaky SQS, and an oracle per consumer read at the boundaries: every event
// on the bus (the engine's, the handlers' own, the scenarios') handled or dead-lettered with a
// reason, every queue drained, and no idempotency record completed twice. Scenario modules in
// scripts/chaos/scenarios/ add their domain's stricter oracle.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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
const ENGINE_SOURCE = 'chaos';
/** What a consumer answers malformed input with: poison belongs in its DLQ under one of these. */
const CONTRACT_CODES = new Set<ContractViolationCode>([
  'MALFORMED_MESSAGE',
  'INVALID_ENVELOPE',
  'UNKNOWN_EVENT_TYPE',
  'UNKNOWN_EVENT_VERSION',
  'INVALID_EVENT_DATA',
  'MESSAGE_TOO_LARGE',
]);
const REDRIVE_ROUNDS = 5;
/** How long a letter the redrive read stays hidden should its reveal fail. */
const REDRIVE_HIDE_SECONDS = 10;

export interface Consumer {
  name: string;
  consumes: string[];
  /** Keeps a Powertools idempotency record per event id (its completions are watched). */
  table: boolean;
}

/** The deployed consumers: custom.consumers in serverless.yml, with what topology.json says they consume. */
export function consumersUnderTest(): Consumer[] {
  const topology = JSON.parse(readFileSync(path.join(root, 'events', 'topology.json'), 'utf8')) as {
    services: Record<string, { consumes?: string[] }>;
  };
  const yaml = parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), {
    customTags: cloudFormationTags,
  }) as { custom?: { consumers?: Record<string, { idempotency?: string }> | null } };
  return Object.entries(yaml.custom?.consumers ?? {}).map(([name, entry]) => ({
    name,
    consumes: topology.services[name]?.consumes ?? [],
    table: (entry?.idempotency ?? 'table') !== 'handler',
  }));
}

/** Every module in scripts/chaos/scenarios/ that exports a `scenario`. */
export async function loadScenarios(): Promise<ChaosScenario[]> {
  const dir = path.join(root, 'scripts', 'chaos', 'scenarios');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const scenarios: ChaosScenario[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as {
      scenario?: ChaosScenario;
    };
    if (!module.scenario) throw new Error(`scripts/chaos/scenarios/${file} exports no scenario`);
    if (module.scenario.applies?.() ?? true) scenarios.push(module.scenario);
  }
  return scenarios;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A contract's example with fresh ids: every UUID in it replaced (the same UUID by the same new
 * one), so events built from one example name different entities and never collide.
 */
export function freshData(example: unknown, fresh = () => randomUUID()): unknown {
  const renamed = new Map<string, string>();
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string' && UUID.test(value)) {
      const id = renamed.get(value) ?? fresh();
      renamed.set(value, id);
      return id;
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(example);
}

/** The four kinds of poison, for an event type's queues; undefined when the contract cannot be violated that way. */
export function poisonBody(kind: number, type: string, marker: string): string | undefined {
  const contract = currentContract(type as EventType);
  const envelope = buildCloudEvent(contract, {}, marker);
  switch (kind % 4) {
    case 0:
      return `{"${marker}": `; // malformed JSON
    case 1:
      return JSON.stringify({ hello: marker }); // not a CloudEvent
    case 2:
      return JSON.stringify({ ...envelope, type: `${type}.unknown`, data: {} }); // unknown type
    default:
      // Invalid data: a string where the contract wants its data, if the contract says no to it.
      return contract.schema.safeParse(marker).success
        ? undefined
        : JSON.stringify({ ...envelope, data: marker });
  }
}

/** The key Powertools gives an event id's record under a prefix (md5, base64, of the JSON id). */
export const recordKey = (prefix: string, eventId: string) =>
  `${prefix}#${createHash('md5').update(JSON.stringify(eventId)).digest('base64')}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StuckLetter {
  consumer: string;
  messageId: string;
  eventId?: string;
  eventType?: string;
  code: string;
  reason?: string;
  receiveCount?: number;
  attempts?: string;
}

export interface ChaosReport {
  events: number;
  engineEvents: number;
  handlerEvents: number;
  poisonSent: number;
  duplicatesSent: number;
  completed: number;
  deadLettered: number;
  deadLetterCopies: number;
  deadLetteredByCode: Record<string, number>;
  /** Letters dead-lettered on their first receive with faults off: a handler's PermanentError. */
  permanent: number;
  redriven: number;
  /** Letters back in a DLQ after a redrive round (summed over rounds): they failed again. */
  failedAgainAfterRedrive: number;
  lost: number;
  lostDetails: string[];
  duplicateEffects: number;
  duplicateDetails: string[];
  stuck: StuckLetter[];
  perConsumer: Array<{
    name: string;
    table: boolean;
    events: number;
    deadLettered: number;
    completions: number;
  }>;
  scenarios: Array<{ name: string; verdict: ScenarioVerdict }>;
  faultsInjected: Record<string, number>;
  /** Faults the operator's redrive met (its SQS calls). */
  redriveFaultsInjected: Record<string, number>;
  /** Idempotency records of no consumer (an API's, a handler's own) completed more than once. */
  otherRecordsCompletedTwice: string[];
  /** Distinct AWS calls judged against their function's role (scripts/iam/observer.ts), by function. */
  iamChecked: Record<string, number>;
  /** Calls a function's role would deny on AWS, one sentence each: the run fails on any. */
  iamDenied: string[];
  durationSeconds: number;
  quietAfterSeconds: number;
}

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

export async function runChaos(partial: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const o = { ...defaultChaosOptions, ...partial };
  const startedAt = Date.now();
  const runId = randomUUID().slice(0, 8);
  const consumers = consumersUnderTest().filter((c) => c.consumes.length);
  const scenarios = o.scenarios ?? (await loadScenarios());
  const types = [...new Set(consumers.flatMap((c) => c.consumes))].sort();
  const lostDetails: string[] = [];
  const duplicateDetails: string[] = [];

  if (!consumers.length && !scenarios.length) {
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
  let redriveProxy: Awaited<ReturnType<typeof startFaultProxy>> | undefined;
  let audit: Awaited<ReturnType<typeof tapEvents>> | undefined;
  const runs: Array<{ scenario: ChaosScenario; run: ScenarioRun }> = [];
  try {
    // ── The stage, deployed with the proxy in front of AWS, and emptied ─────────────────────
    const webhookUrl = scenarios.find((s) => s.deploy?.webhookUrl)?.deploy?.webhookUrl;
    o.log(
      `deploying stage ${o.stage} (functions call AWS through ${proxy.url}); consumers: ${consumers.map((c) => `${c.name}${c.table ? ' (idempotency table)' : ''}`).join(', ') || 'none'}; scenarios: ${scenarios.map((s) => s.name).join(', ') || 'none'}`,
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
    const { QueueUrls: stageQueues = [] } = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: `${serviceName()}-${o.stage}-`, MaxResults: 1000 }),
    );
    // A clean slate, DLQs included: what an earlier run left must not count in this one.
    for (const QueueUrl of stageQueues) await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    const dlqOf = (c: Consumer) => {
      const url = stack.deadLetterQueues[c.name];
      if (!url) throw new Error(`Stage ${o.stage} has no DLQ output for consumer ${c.name}`);
      return url;
    };
    const queueOf = new Map<string, string>();
    for (const c of consumers) queueOf.set(c.name, await sourceQueueOf(sqs, dlqOf(c)));

    // Every event on the bus, the handlers' own included.
    const stale = await removeStaleTaps(stack.eventsTopicArn, 'chaos-audit-');
    if (stale) o.log(`removed ${stale} audit queue(s) a killed run left behind`);
    audit = await tapEvents(stack.eventsTopicArn, `chaos-audit-${runId}`);
    const auditUrl = audit.url;
    const seen = new Map<string, { type: string; source: string }>();
    let auditing = true;
    const auditLoop = (async () => {
      while (auditing) {
        const { Messages = [] } = await sqs
          .send(
            new ReceiveMessageCommand({
              QueueUrl: auditUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              VisibilityTimeout: 300,
            }),
          )
          .catch(() => ({ Messages: [] }));
        for (const m of Messages) {
          const body = m.Body ?? '';
          if (body.includes('chaos-poison-')) continue;
          try {
            const e = JSON.parse(body) as {
              id?: unknown;
              type?: unknown;
              source?: unknown;
              data?: unknown;
            };
            if (typeof e.id !== 'string' || typeof e.type !== 'string') continue;
            const event = { id: e.id, type: e.type, source: String(e.source), data: e.data };
            if (!seen.has(e.id)) seen.set(e.id, { type: e.type, source: event.source });
            for (const { run } of runs) run.onEvent?.(event, body);
          } catch {
            // not an event: poison of a scenario's own passes by here too
          }
        }
        if (Messages.length)
          await sqs
            .send(
              new DeleteMessageBatchCommand({
                QueueUrl: auditUrl,
                Entries: Messages.map((m, i) => ({
                  Id: String(i),
                  ReceiptHandle: m.ReceiptHandle ?? '',
                })),
              }),
            )
            .catch(() => undefined);
      }
    })();

    const publish = async (body: string, type: string, source = ENGINE_SOURCE) => {
      await snsClient().send(
        new PublishCommand({
          TopicArn: stack.eventsTopicArn,
          Message: body,
          MessageAttributes: {
            type: { DataType: 'String', StringValue: type },
            source: { DataType: 'String', StringValue: source },
          },
        }),
      );
    };

    // ── Scenarios start; faults on; drive ────────────────────────────────────────────────────
    const scenarioEvents = scenarios.length ? Math.floor(o.events / 2 / scenarios.length) : 0;
    const engineCount = o.events - scenarioEvents * scenarios.length;
    const engineEvents = new Map<string, { type: string; data: unknown }>();
    let faultsOn = false;
    for (const scenario of scenarios) {
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
    }
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
    let duplicatesSent = 0;
    const engineDrive = pMap(
      typesWithExamples.length ? Array.from({ length: engineCount }, (_, i) => i) : [],
      async (i) => {
        const type = typesWithExamples[i % typesWithExamples.length] as EventType;
        const contract = currentContract(type);
        const example =
          contract.examples[Math.floor(i / typesWithExamples.length) % contract.examples.length];
        const candidate = freshData(example);
        const data = contract.schema.safeParse(candidate).success ? candidate : example;
        const event = buildCloudEvent(contract, data, ENGINE_SOURCE);
        engineEvents.set(event.id, { type, data });
        const body = JSON.stringify(event);
        const times = Math.random() < o.duplicates ? 2 : 1;
        for (let t = 0; t < times; t++) await publish(body, type);
        duplicatesSent += times - 1;
      },
      { concurrency: o.concurrency },
    );
    const poisonCount = types.length ? Math.max(4, Math.round(o.events * o.poison)) : 0;
    const poison: Array<{ marker: string; type: string }> = [];
    for (let i = 0; i < poisonCount; i++) {
      const marker = `chaos-poison-${runId}-${i}`;
      const type = types[Math.floor(i / 4) % types.length] as string;
      const body = poisonBody(i, type, marker) ?? poisonBody(0, type, marker);
      await publish(body as string, type);
      poison.push({ marker, type });
    }
    await Promise.all([engineDrive, outageHeld, ...runs.map(({ run }) => run.drive())]);
    o.log(
      `sent ${engineEvents.size} events (${duplicatesSent} duplicates) and ${poison.length} poison in ${((Date.now() - driveStart) / 1000).toFixed(1)} s`,
    );

    // ── Quiet, faults off ────────────────────────────────────────────────────────────────────
    const workQueues = [...queueOf.values()];
    const pending = async (url: string) => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        hidden:
          Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
          Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    };
    /** Until every work queue and the tap are empty three checks running; false on timeout. */
    const waitQuiet = async (what: string) => {
      const deadline = Date.now() + o.settleTimeoutMs;
      let lastProgress = Date.now();
      for (let quiet = 0; quiet < 3; ) {
        if (Date.now() > deadline) {
          o.log(
            `not quiet ${what} after ${o.settleTimeoutMs / 1000} s; the verdict says what is left`,
          );
          return false;
        }
        const counts = await Promise.all([...workQueues, auditUrl].map(pending));
        quiet = counts.every((c) => c.visible + c.hidden === 0) ? quiet + 1 : 0;
        if (Date.now() - lastProgress > 15_000) {
          lastProgress = Date.now();
          o.log(
            `waiting ${what}: ${consumers.map((c, i) => `${c.name} ${counts[i]?.visible ?? 0} waiting/${counts[i]?.hidden ?? 0} in flight`).join(', ')}`,
          );
        }
        await sleep(1_000);
      }
      return true;
    };
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
    /** This run's poison (by its marker); any letter with a contract code is poison's kind too. */
    const isPoison = (l: DeadLetter) =>
      l.body.includes(`chaos-poison-${runId}-`) ||
      CONTRACT_CODES.has(l.code as ContractViolationCode);
    /** Dead-lettered on the first receive, with a reason: a PermanentError, never worth redriving. */
    const isPermanent = (l: DeadLetter) => l.code !== NO_REASON && l.attempts === '1';
    /** Every letter of a DLQ, each once (a long read may see a letter again after its hide). */
    const readAll = async (dlqUrl: string) => {
      const letters = await readDeadLetters(sqs, dlqUrl, { limit: 100_000, hideSeconds: 120 });
      return [...new Map(letters.map((l) => [l.messageId, l])).values()];
    };
    const firstLook = new Map<string, DeadLetter[]>();
    for (const c of consumers) firstLook.set(c.name, await readAll(dlqOf(c)));
    // One attempt per call: every injected failure reaches the redrive code itself.
    // The operator's own SQS is flaky (a proxy of its own): a send that fails must leave its
    // letter in the DLQ, never lose it. The functions' faults stay off: redriven events are
    // handled, so the rounds converge.
    redriveProxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
      errorRate: o.faults,
    });
    const flakySqs = new SQSClient({ endpoint: redriveProxy.url, maxAttempts: 1 });
    let redriven = 0;
    const redriveErrors = new Set<string>();
    /**
     * What the operator redrives: everything but letters refused for good (a contract code, a
     * PermanentError). A letter without a reason — moved by SQS after crashes or timeouts on
     * every receive — is redriven even when it is poison: the consumer then gives it its reason.
     */
    const movable = (l: DeadLetter) =>
      l.code === NO_REASON ||
      (!CONTRACT_CODES.has(l.code as ContractViolationCode) && !isPermanent(l));
    /** Letters a DLQ holds for the redrive: the visible ones it would move, and any hidden. */
    const waitingIn = async (dlqUrl: string) => {
      const { hidden } = await pending(dlqUrl);
      const visible = await readAll(dlqUrl);
      return { left: visible.filter(movable).length, hidden };
    };
    /** Until no DLQ holds a hidden letter (one whose reveal failed comes back on its own). */
    const waitDlqsVisible = async () => {
      const deadline = Date.now() + (REDRIVE_HIDE_SECONDS + 10) * 1000;
      while (Date.now() < deadline) {
        const counts = await Promise.all(consumers.map((c) => pending(dlqOf(c))));
        if (counts.every((c) => c.hidden === 0)) return;
        await sleep(1_000);
      }
    };
    // Each redrive at the consumer's pace (scripts/operations/consumer-pace.ts), as `npm run dlq`.
    const paces = new Map<string, number>();
    let failedAgain = 0;
    for (const c of consumers) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueOf.get(c.name),
          AttributeNames: ['QueueArn'],
        }),
      );
      const pace = await consumerPace(Attributes?.QueueArn as string);
      if (pace) paces.set(c.name, pace.perSecond);
    }
    o.log(`redrive paces (letters/s): ${[...paces].map(([n, p]) => `${n} ${p}`).join(', ')}`);
    for (let round = 1, before = -1; round <= REDRIVE_ROUNDS && redriven > before; round++) {
      before = redriven;
      await Promise.all(
        consumers.map(async (c) => {
          const deadline = Date.now() + 5 * 60_000;
          // Until a pass moves nothing and the DLQ holds nothing to move, hidden letters (a
          // reveal that failed) included: they come back after REDRIVE_HIDE_SECONDS.
          // Letters that stay hidden longer than a hide (MiniStack has kept some in flight for
          // minutes) are left for the verdict to report.
          let progress = Date.now();
          while (
            Date.now() < deadline &&
            Date.now() - progress < (REDRIVE_HIDE_SECONDS + 30) * 1000
          ) {
            try {
              const { moved } = await redrive(flakySqs, dlqOf(c), {
                filter: movable,
                hideSeconds: REDRIVE_HIDE_SECONDS,
                perSecond: paces.get(c.name), // what an operator's npm run dlq would do
              });
              redriven += moved;
              if (moved > 0) {
                progress = Date.now();
                continue;
              }
            } catch (error) {
              // A call that failed: the operator runs it again; what it moved before counts.
              if (error instanceof RedriveInterrupted) {
                redriven += error.moved;
                if (error.moved > 0) progress = Date.now();
              } else redriveErrors.add(`${c.name}: ${(error as Error).message}`);
            }
            const { left, hidden } = await waitingIn(dlqOf(c));
            if (left === 0 && hidden === 0) return;
            await sleep(1_000);
          }
        }),
      );
      await waitQuiet('after the redrive');
      await waitDlqsVisible();
      let again = 0;
      for (const c of consumers) {
        const { left, hidden } = await waitingIn(dlqOf(c));
        again += left + hidden;
      }
      o.log(`redrive round ${round}: ${redriven} moved so far, ${again} dead-lettered again`);
      failedAgain += again;
      if (again === 0) break;
    }
    for (const e of redriveErrors) o.log(`a redrive failed: ${e}`);
    await waitQuiet('at the end');
    await sleep(2_000); // the tap's last events
    auditing = false;
    await auditLoop;

    // ── The oracle, per consumer ─────────────────────────────────────────────────────────────
    const stuck: StuckLetter[] = [];
    const deadLetteredByCode: Record<string, number> = {};
    let deadLettered = 0;
    let deadLetterCopies = 0;
    let permanent = 0;
    const perConsumer: ChaosReport['perConsumer'] = [];
    const handledBy = new Map<string, number>(); // event id → consumers that did not dead-letter it
    for (const c of consumers) {
      const originals = new Set<string>();
      for (const l of firstLook.get(c.name) ?? []) {
        const original = l.originalMessageId ?? l.messageId;
        if (originals.has(original)) {
          deadLetterCopies++; // its batch redelivered after a crash: dead-lettered again
          continue;
        }
        originals.add(original);
        deadLettered++;
        const key = `${c.name}:${l.code}`;
        deadLetteredByCode[key] = (deadLetteredByCode[key] ?? 0) + 1;
      }
      const queued = await pending(queueOf.get(c.name) as string);
      if (queued.visible + queued.hidden > 0)
        lostDetails.push(
          `${c.name}: ${queued.visible} message(s) still waiting and ${queued.hidden} in flight in its queue`,
        );
      const dlq = await pending(dlqOf(c));
      if (dlq.hidden > 0)
        lostDetails.push(
          `${c.name}: ${dlq.hidden} letter(s) in its DLQ stayed in flight (not visible), so they could not be read or redriven`,
        );
      const letters = await readAll(dlqOf(c));
      const finalIds = new Set<string>();
      for (const l of letters) {
        if (isPoison(l)) continue;
        if (l.eventId) finalIds.add(l.eventId);
        if (isPermanent(l)) {
          permanent++;
          continue;
        }
        stuck.push({
          consumer: c.name,
          messageId: l.messageId,
          eventId: l.eventId,
          eventType: l.eventType,
          code: l.code,
          reason: l.reason,
          receiveCount: l.receiveCount,
          attempts: l.attempts,
        });
      }
      // Poison: once in the DLQ of every consumer of its type, with a contract code.
      for (const p of poison.filter((p) => c.consumes.includes(p.type))) {
        const copies = letters.filter((l) => l.body.includes(`${p.marker}"`));
        const distinct = new Set(copies.map((l) => l.originalMessageId ?? l.messageId)).size;
        if (distinct === 0)
          lostDetails.push(`poison ${p.marker} (${p.type}) missing from the ${c.name} DLQ`);
        // Dead-lettered again after a redrive (a new message id) or a crash: a copy in the DLQ,
        // not a handler's effect twice — duplicate-effects counts those only.
        if (distinct > 1) deadLetterCopies += distinct - 1;
        for (const copy of copies)
          if (!CONTRACT_CODES.has(copy.code as ContractViolationCode))
            lostDetails.push(
              `poison ${p.marker} in the ${c.name} DLQ without its reason (${copy.code})`,
            );
      }
      // Every event of its types: handled, or dead-lettered with a reason. A consumer with an
      // idempotency table shows it: its record of the event completed, once.
      const expected = [...seen].filter(([, e]) => c.consumes.includes(e.type)).map(([id]) => id);
      let completions = 0;
      for (const id of expected) {
        if (finalIds.has(id)) continue;
        handledBy.set(id, (handledBy.get(id) ?? 0) + 1);
        if (!c.table) continue;
        const n = proxy.completions.get(recordKey(c.name, id)) ?? 0;
        completions += n;
        if (n === 0)
          lostDetails.push(`${c.name} never completed event ${id} (${seen.get(id)?.type})`);
        if (n > 1) duplicateDetails.push(`${c.name} completed event ${id} ${n} times`);
      }
      perConsumer.push({
        name: c.name,
        table: c.table,
        events: expected.length,
        deadLettered: letters.filter((l) => !isPoison(l)).length,
        completions,
      });
    }
    for (const id of engineEvents.keys())
      if (!seen.has(id)) lostDetails.push(`event ${id} was published but never seen on the bus`);
    // Every event a service wrote to a table's outbox during the run (shared/outbox.ts) was
    // relayed onto the bus, whatever the faults did to the transaction, the relay or its retries.
    const runWindow = {
      firstArrival: new Date(startedAt).toISOString(),
      lastArrival: new Date().toISOString(),
    };
    for (const tableName of stack.outboxTables) {
      const written = await outboxItemsOf(documentClient(), { ...runWindow, tableName });
      o.log(`${tableName}: ${written.length} events written to its outbox during the run`);
      for (const item of written)
        if (!seen.has(item.eventId))
          lostDetails.push(
            `${tableName}: outbox event ${item.eventId} (${item.type}) written but never published`,
          );
    }
    // Records a consumer does not keep per event id (an HTTP API's Idempotency-Key, a handler's
    // own per delivery) are shown, not judged: completed twice, the work ran twice, and whether
    // that had a second effect is for a scenario's oracle to say (derived ids make it harmless).
    const consumerPrefixes = consumers.filter((c) => c.table).map((c) => `${c.name}#`);
    const otherTwice = [...proxy.completions].filter(
      ([key, n]) => n > 1 && !consumerPrefixes.some((p) => key.startsWith(p)),
    );
    for (const s of stuck)
      lostDetails.push(
        `stuck in the ${s.consumer} DLQ: message ${s.messageId}, event ${s.eventId ?? '?'} (${s.eventType ?? '?'}), received ${s.receiveCount ?? '?'}× there, ${s.code}${s.reason ? `: ${s.reason}` : ''}`,
      );
    for (const e of redriveErrors) if (stuck.length) lostDetails.push(`redrive failed: ${e}`);

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
      lostDetails.push(...verdict.lost.map((d) => `${scenario.name}: ${d}`));
      duplicateDetails.push(...verdict.duplicates.map((d) => `${scenario.name}: ${d}`));
      duplicatesSent += verdict.duplicatesSent;
    }
    const consumed = [...seen].filter(([, e]) => types.includes(e.type));
    const completed = consumed.filter(
      ([id, e]) =>
        handledBy.get(id) === consumers.filter((c) => c.consumes.includes(e.type)).length,
    ).length;
    const iam = await observer.check();
    return {
      events: seen.size + poison.length,
      engineEvents: engineEvents.size,
      handlerEvents: [...seen.values()].filter((e) => e.source !== ENGINE_SOURCE).length,
      poisonSent: poison.length,
      duplicatesSent,
      completed,
      deadLettered,
      deadLetterCopies,
      deadLetteredByCode,
      permanent,
      redriven,
      failedAgainAfterRedrive: failedAgain,
      lost: lostDetails.length,
      lostDetails,
      duplicateEffects: duplicateDetails.length,
      duplicateDetails,
      stuck,
      perConsumer,
      scenarios: verdicts,
      faultsInjected: { ...proxy.injected },
      redriveFaultsInjected: { ...redriveProxy.injected },
      otherRecordsCompletedTwice: otherTwice.map(([key, n]) => `${key} ×${n}`),
      iamChecked: iam.checked,
      iamDenied: iam.denied,
      durationSeconds: (Date.now() - startedAt) / 1000,
      quietAfterSeconds,
    };
  } finally {
    for (const { run } of runs) await run.close().catch(() => undefined);
    await audit?.remove();
    await redriveProxy?.close();
    await proxy.close();
    await observer.close();
  }
}

function emptyReport(): ChaosReport {
  return {
    events: 0,
    engineEvents: 0,
    handlerEvents: 0,
    poisonSent: 0,
    duplicatesSent: 0,
    completed: 0,
    deadLettered: 0,
    deadLetterCopies: 0,
    deadLetteredByCode: {},
    permanent: 0,
    redriven: 0,
    failedAgainAfterRedrive: 0,
    lost: 0,
    lostDetails: [],
    duplicateEffects: 0,
    duplicateDetails: [],
    stuck: [],
    perConsumer: [],
    scenarios: [],
    faultsInjected: {},
    redriveFaultsInjected: {},
    otherRecordsCompletedTwice: [],
    iamChecked: {},
    iamDenied: [],
    durationSeconds: 0,
    quietAfterSeconds: 0,
  };
}

/** The stage's functions as deployed (its CloudFormation template): timeout and environment. */
async function deployedFunctions(stage: string) {
  const { TemplateBody = '{}' } = await new CloudFormationClient({}).send(
    new GetTemplateCommand({ StackName: stackName(stage) }),
  );
  const template = JSON.parse(TemplateBody) as {
    Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  const functions: Record<string, { timeout: number; environment: Record<string, string> }> = {};
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const p = resource.Properties ?? {};
    const variables =
      (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    functions[String(p.FunctionName)] = {
      timeout: Number(p.Timeout ?? 6),
      environment: Object.fromEntries(
        Object.entries(variables).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
    };
  }
  return functions;
}

/** The conservation table, then the one summary line tools read (always last). */
export function formatReport(r: ChaosReport): string {
  const rows: Array<[string, string | number]> = [
    [
      'events on the bus (engine + handlers + scenarios) + poison',
      `${r.events - r.poisonSent} + ${r.poisonSent}`,
    ],
    ['  published by the engine (from the contracts)', r.engineEvents],
    ['  published by the handlers and scenarios', r.handlerEvents],
    ['duplicates sent', r.duplicatesSent],
    ['completed (handled by every consumer of its type)', r.completed],
    ...r.perConsumer.map(
      (c) =>
        [
          `  ${c.name}${c.table ? ' (idempotency table)' : ''}`,
          `${c.events} events, ${c.deadLettered} dead-lettered at the end${c.table ? `, ${c.completions} completions` : ''}`,
        ] as [string, string],
    ),
    ['dead-lettered (first look, distinct messages)', r.deadLettered],
    ...Object.entries(r.deadLetteredByCode)
      .sort()
      .map(([k, v]) => [`  ${k}`, v] as [string, number]),
    [
      '  + copies of a dead letter (batch redelivered after a crash, poison redriven)',
      r.deadLetterCopies,
    ],
    ['dead-lettered for good with a reason (PermanentError)', r.permanent],
    ['redriven', r.redriven],
    ['  dead-lettered again after a redrive (summed over rounds)', r.failedAgainAfterRedrive],
    ['stuck in a DLQ after the redrive', r.stuck.length],
    ['lost', r.lost],
    ['duplicate effects', r.duplicateEffects],
    [
      'AWS faults injected',
      Object.entries(r.faultsInjected)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
    [
      'faults injected into the redrive (its own SQS calls)',
      Object.entries(r.redriveFaultsInjected)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
    [
      'other idempotency records completed twice (for the scenarios to judge)',
      r.otherRecordsCompletedTwice.join(' ') || 0,
    ],
    ...r.scenarios.flatMap(({ name, verdict }) =>
      verdict.rows.map(([k, v]) => [`${name}: ${k}`, v] as [string, string | number]),
    ),
    [
      'IAM: distinct calls checked against the role, per function',
      describeChecked({ checked: r.iamChecked, actions: {}, denied: [] }) || 0,
    ],
    ['IAM: calls a role would deny on AWS', r.iamDenied.length],
    ['quiet after (s, from the first event)', r.quietAfterSeconds.toFixed(0)],
    ['run time (s)', r.durationSeconds.toFixed(0)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const details = [
    ...r.lostDetails.slice(0, 30).map((d) => `LOST: ${d}`),
    ...(r.lostDetails.length > 30 ? [`LOST: … and ${r.lostDetails.length - 30} more`] : []),
    ...r.duplicateDetails.slice(0, 30).map((d) => `DUPLICATE: ${d}`),
    ...r.iamDenied.map((d) => `IAM DENIED: ${d}`),
    ...(r.duplicateDetails.length > 30
      ? [`DUPLICATE: … and ${r.duplicateDetails.length - 30} more`]
      : []),
  ];
  return [
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    ...details,
    `events=${r.events} completed=${r.completed} dead-lettered=${r.deadLettered} redriven=${r.redriven} lost=${r.lost} duplicate-effects=${r.duplicateEffects} iam-denied=${r.iamDenied.length}`,
  ].join('\n');
}
