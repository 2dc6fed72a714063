import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { documentClient, snsClient, sqsClient } from '../../shared/aws/clients.ts';
import { LOCAL_WEBHOOK } from '../emulator/local-env.ts';
import { removeStaleTaps, tapEvents } from '../local/event-tap.ts';
import { deployLocalStack, localWebhookSecret, serviceName } from '../local/stack.ts';
import { type ReceivedWebhook, startWebhookReceiver } from '../local/webhook-receiver.ts';
import {
  countMessages,
  type DeadLetter,
  RedriveInterrupted,
  readDeadLetters,
  redrive,
} from '../operations/dead-letters.ts';
import { startFaultProxy } from './fault-proxy.ts';

// The conservation run behind `npm run chaos` and the chaos test tier: calculations through the
// HTTP API and straight onto the bus while faults are injected at every boundary, then an oracle
// that accounts for every one of them. Nothing may be lost and nothing applied twice.

export interface ChaosOptions {
  /** Calculations to send (half through the HTTP API, half published on the bus). */
  events: number;
  /** Share of inputs sent again, identically (same message; same Idempotency-Key and body). */
  duplicates: number;
  /** Poison messages, as a share of `events` (malformed JSON, not a CloudEvent, unknown type, invalid data). */
  poison: number;
  /** Probability that an AWS call from a function fails (reset, 500, 503, throttling) while faults are on; webhooks fail (5xx, 429, slow) at the same rate. */
  faults: number;
  /** Probability of a crash right before an idempotency record completes, and right after each side effect (publish, write). */
  crashRate: number;
  /** Probability that an AWS call hangs past the function timeout. */
  hangRate: number;
  /** The webhook target is down this long — longer than the notifier's whole local retry schedule. */
  outageSeconds: number;
  concurrency: number;
  stage: string;
  /** Give up waiting for the system to settle after this long. */
  settleTimeoutMs: number;
  log: (line: string) => void;
}

export const defaultChaosOptions: ChaosOptions = {
  events: 10_000,
  duplicates: 0.1,
  poison: 0.01,
  faults: 0.2,
  crashRate: 0.02,
  hangRate: 0.001,
  outageSeconds: 30,
  concurrency: 16,
  stage: 'chaos',
  settleTimeoutMs: 60 * 60_000,
  log: () => {},
};

const PROXY_PORT = 4567;
const RECEIVER_PORT = 4598; // not 4599: the e2e tier's receiver may be listening there
const SERVICES = ['calculator', 'storage', 'notifier'] as const;
const POISON_SUBSCRIBERS = ['calculator', 'storage']; // the queues calculation.requested reaches
const CONTRACT_CODES = new Set([
  'MALFORMED_MESSAGE',
  'INVALID_ENVELOPE',
  'UNKNOWN_EVENT_TYPE',
  'INVALID_EVENT_DATA',
]);

type Operation = 'add' | 'subtract' | 'multiply' | 'divide';
interface Calculation {
  via: 'http' | 'bus';
  operation: Operation;
  a: string;
  b: string;
  /** Filled when accepted (the HTTP API answers with it; the bus uses our own). */
  calculationId?: string;
  expected: { status: 'completed'; result: string } | { status: 'failed'; code: string };
  sentAt: number;
  duplicated: boolean;
}

/** Integer operands, so the expected result needs no decimal library to state. */
function makeCalculation(
  via: Calculation['via'],
  random: () => number,
): Omit<Calculation, 'sentAt' | 'duplicated'> {
  const int = (n: number) => Math.floor(random() * n);
  const operation = (['add', 'subtract', 'multiply', 'divide'] as const)[int(4)] as Operation;
  const b = operation === 'divide' && random() < 0.1 ? 0 : int(1000) + 1;
  const a = operation === 'divide' ? b * int(1000) : int(100_000);
  const expected =
    operation === 'divide' && b === 0
      ? ({ status: 'failed', code: 'DIVISION_BY_ZERO' } as const)
      : ({
          status: 'completed',
          result: String(
            operation === 'add'
              ? a + b
              : operation === 'subtract'
                ? a - b
                : operation === 'multiply'
                  ? a * b
                  : a / b,
          ),
        } as const);
  return { via, operation, a: String(a), b: String(b), expected };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0)
    : 0;

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChaosReport {
  events: number;
  calculations: number;
  poisonSent: number;
  duplicatesSent: number;
  duplicatesSuppressed: number;
  completed: number;
  deadLettered: number;
  /** Extra copies of a dead letter (its batch redelivered after a crash); counted once above. */
  deadLetterCopies: number;
  deadLetteredByCode: Record<string, number>;
  redriven: number;
  lost: number;
  lostDetails: string[];
  duplicateEffects: number;
  duplicateDetails: string[];
  webhookRedeliveries: number;
  /** Webhooks accepted again under a webhook-id already accepted: the receiver's dedupe key. */
  sameIdRedeliveries: number;
  /** POSTs with no answer after 8 tries during the faults, and how many got one when asked again. */
  unanswered: number;
  answeredLate: number;
  faultsInjected: Record<string, number>;
  webhookFaultsInjected: Record<string, number>;
  throughputPerSecond: number;
  latencyMs: { p50: number; p99: number };
  durationSeconds: number;
}

export async function runConservation(partial: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const o = { ...defaultChaosOptions, ...partial };
  const random = Math.random;
  const runId = randomUUID().slice(0, 8);
  const startedAt = Date.now();

  // ── The boundaries: a fault proxy before AWS, a flaky webhook receiver ──────────────────────
  const proxy = await startFaultProxy({
    target: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
    port: PROXY_PORT,
    crashOnly: `${serviceName()}-${o.stage}-`, // only this stage's Lambda workers
  });
  const webhookFaults = { http500: 0, http503: 0, http429: 0, slow: 0, outage: 0 };
  let webhookFaultRate = 0;
  let outageUntil = 0;
  // Started once the stage is deployed: its secret lives in the emulator.
  const startReceiver = async () =>
    startWebhookReceiver({
      secret: await localWebhookSecret(o.stage),
      host: LOCAL_WEBHOOK.host,
      port: RECEIVER_PORT,
      path: LOCAL_WEBHOOK.path,
      respond: async () => {
        if (Date.now() < outageUntil) {
          webhookFaults.outage++;
          return 503;
        }
        if (random() >= webhookFaultRate) return 200;
        const kind =
          (['http500', 'http503', 'http429', 'slow'] as const)[Math.floor(random() * 4)] ??
          'http500';
        webhookFaults[kind]++;
        if (kind === 'slow') {
          await sleep(4_000); // past the notifier's 3 s timeout: it has given up; not accepted
          return 504;
        }
        return kind === 'http500' ? 500 : kind === 'http503' ? 503 : 429;
      },
    });
  let audit: Awaited<ReturnType<typeof tapEvents>> | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  try {
    o.log(`deploying stage ${o.stage} (functions call AWS through ${proxy.url}) …`);
    const stack = await deployLocalStack({
      quiet: true,
      stage: o.stage,
      webhookUrl: `http://${LOCAL_WEBHOOK.host}:${RECEIVER_PORT}${LOCAL_WEBHOOK.path}`,
      functionsAwsEndpoint: proxy.url,
    });
    if (!stack.apiUrl) throw new Error(`Stage ${o.stage} has no HTTP API`);
    receiver = await startReceiver();
    const sqs = sqsClient();
    const queuePrefix = `${serviceName()}-${o.stage}-`;
    const { QueueUrls = [] } = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: queuePrefix }),
    );
    const workQueues = QueueUrls.filter((u) => !u.endsWith('-dlq'));
    // A clean slate: what an earlier run left must not count in this one.
    for (const url of QueueUrls) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));

    // Every event on the bus, to count outcome events per calculation and to re-send some.
    const stale = await removeStaleTaps(stack.eventsTopicArn, 'chaos-audit-');
    if (stale) o.log(`removed ${stale} audit queue(s) a killed run left behind`);
    audit = await tapEvents(stack.eventsTopicArn, `chaos-audit-${runId}`);
    const auditUrl = audit.url;
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: auditUrl,
        Attributes: { VisibilityTimeout: '300' },
      }),
    );

    const outcomes = new Map<string, Set<string>>(); // calculationId → outcome event ids
    const outcomeBodies = new Map<string, string>(); // outcome event id → body, to re-send
    let auditing = true;
    let duplicatesSent = 0;
    const auditLoop = (async () => {
      while (auditing) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: auditUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        for (const m of Messages) {
          try {
            const e = JSON.parse(m.Body ?? '');
            if (e.type === 'calculation.completed' || e.type === 'calculation.failed') {
              const ids = outcomes.get(e.data.calculationId) ?? new Set<string>();
              const isNew = !ids.has(e.id);
              ids.add(e.id);
              outcomes.set(e.data.calculationId, ids);
              if (isNew && !outcomeBodies.has(e.id)) {
                outcomeBodies.set(e.id, m.Body ?? '');
                if (webhookFaultRate > 0 && random() < o.duplicates) {
                  // The identical outcome message again: the notifier and storage must not act twice.
                  duplicatesSent++;
                  await snsClient().send(
                    new PublishCommand({
                      TopicArn: stack.eventsTopicArn,
                      Message: m.Body ?? '',
                      MessageAttributes: {
                        type: { DataType: 'String', StringValue: e.type },
                        source: { DataType: 'String', StringValue: e.source },
                      },
                    }),
                  );
                }
              }
            }
          } catch {
            // poison passes by here too
          }
        }
        if (Messages.length)
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: auditUrl,
              Entries: Messages.map((m, i) => ({
                Id: String(i),
                ReceiptHandle: m.ReceiptHandle ?? '',
              })),
            }),
          );
      }
    })();

    // ── Faults on, then drive ────────────────────────────────────────────────────────────────
    proxy.setRates({ error: o.faults, crash: o.crashRate, hang: o.hangRate });
    webhookFaultRate = o.faults;
    const driveStart = Date.now();
    outageUntil = driveStart + 3_000 + o.outageSeconds * 1000;
    o.log(
      `faults on: AWS calls ${o.faults}, crashes ${o.crashRate}, hangs ${o.hangRate}, webhooks ${o.faults}, webhook outage ${o.outageSeconds} s`,
    );

    const calculations: Calculation[] = Array.from({ length: o.events }, (_, i) => ({
      ...makeCalculation(i % 2 === 0 ? 'http' : 'bus', random),
      sentAt: 0,
      duplicated: false,
    }));
    const unanswered: Array<{ c: Calculation; post: () => Promise<string | undefined> }> = [];
    const publishRaw = (body: string, type: string) =>
      snsClient().send(
        new PublishCommand({
          TopicArn: stack.eventsTopicArn,
          Message: body,
          MessageAttributes: {
            type: { DataType: 'String', StringValue: type },
            source: { DataType: 'String', StringValue: 'chaos' },
          },
        }),
      );

    await pool(calculations, o.concurrency, async (c) => {
      c.sentAt = Date.now();
      const times = random() < o.duplicates ? 2 : 1;
      c.duplicated = times === 2;
      if (c.via === 'bus') {
        c.calculationId = randomUUID();
        const body = JSON.stringify(
          buildCloudEvent(
            currentContract('calculation.requested'),
            { calculationId: c.calculationId, operation: c.operation, a: c.a, b: c.b },
            'chaos',
          ),
        );
        for (let t = 0; t < times; t++) await publishRaw(body, 'calculation.requested');
        duplicatesSent += times - 1;
        return;
      }
      // A well-behaved client: one Idempotency-Key per calculation, retried on 5xx and network errors.
      const key = randomUUID();
      const post = async () => {
        for (let attempt = 1; attempt <= 8; attempt++) {
          try {
            const response = await fetch(`${stack.apiUrl}/calculations`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'idempotency-key': key },
              body: JSON.stringify({ operation: c.operation, a: c.a, b: c.b }),
              signal: AbortSignal.timeout(30_000),
            });
            if (response.status === 202)
              return ((await response.json()) as { calculationId: string }).calculationId;
            if (response.status < 500 && response.status !== 409 && response.status !== 429)
              return undefined;
          } catch {
            // network error: retry
          }
          await sleep(200 * 2 ** attempt);
        }
        return undefined;
      };
      const first = await post();
      if (!first) {
        // No answer in 8 tries: the request may still have been applied. A client with an
        // Idempotency-Key asks again later, with the same key (below, once faults are off).
        unanswered.push({ c, post });
        return;
      }
      c.calculationId = first;
      for (let t = 1; t < times; t++) {
        duplicatesSent++;
        const again = await post();
        if (again !== first) c.duplicated = true; // checked below as a duplicate effect
        if (again && again !== first)
          (c as Calculation & { extraIds?: string[] }).extraIds = [again];
      }
    });
    let accepted = calculations.filter((c) => c.calculationId);
    const poisonCount = Math.round(o.events * o.poison);
    const poisonMarkers: string[] = [];
    for (let i = 0; i < poisonCount; i++) {
      const marker = `chaos-poison-${runId}-${i}`;
      poisonMarkers.push(marker);
      const kind = i % 4;
      const envelope = buildCloudEvent(
        currentContract('calculation.requested'),
        { calculationId: randomUUID(), operation: 'add', a: '1', b: '2' },
        'chaos',
      );
      const body =
        kind === 0
          ? `{"${marker}": ` // malformed JSON
          : kind === 1
            ? JSON.stringify({ hello: marker }) // not a CloudEvent
            : kind === 2
              ? JSON.stringify({ ...envelope, type: 'calculation.unknown', source: marker }) // unknown type
              : JSON.stringify({
                  ...envelope,
                  source: marker,
                  data: { ...envelope.data, a: 'not a number' },
                }); // invalid data
      await publishRaw(body, 'calculation.requested');
    }
    o.log(
      `sent ${accepted.length} calculations (${unanswered.length} not answered yet), ${duplicatesSent} duplicates, ${poisonCount} poison in ${((Date.now() - driveStart) / 1000).toFixed(1)} s`,
    );

    // ── Faults off after the window; wait for the system to go quiet ──────────────────────────
    const waitQuiet = async (what: string) => {
      const deadline = Date.now() + o.settleTimeoutMs;
      let quietChecks = 0;
      while (quietChecks < 3) {
        if (Date.now() > deadline)
          throw new Error(
            `The system did not settle (${what}) within ${o.settleTimeoutMs / 1000} s`,
          );
        const counts = await Promise.all(workQueues.map((u) => countMessages(sqs, u)));
        quietChecks = counts.every((n) => n === 0) ? quietChecks + 1 : 0;
        await sleep(2_000);
      }
    };
    await waitQuiet('with faults');
    proxy.setRates({ error: 0, crash: 0, hang: 0 });
    webhookFaultRate = 0;
    outageUntil = 0;
    // The clients that got no answer ask again with their key: the stored answer, or a first run.
    let answeredLate = 0;
    for (const { c, post } of unanswered) {
      const id = await post();
      if (!id) continue;
      c.calculationId = id;
      answeredLate++;
    }
    if (answeredLate) await waitQuiet('after the late answers');
    accepted = calculations.filter((c) => c.calculationId);
    o.log(
      `quiet after ${((Date.now() - driveStart) / 1000).toFixed(1)} s; faults off; ${answeredLate} of ${unanswered.length} unanswered requests answered when asked again. Injected: ${JSON.stringify(proxy.injected)}; webhooks ${JSON.stringify(webhookFaults)}`,
    );

    // ── The dead letters: poison where it belongs, the rest redriven ──────────────────────────
    const dlqs = Object.fromEntries(
      await Promise.all(
        SERVICES.map(
          async (s) =>
            [
              s,
              await readDeadLetters(sqs, stack.deadLetterQueues[s] as string, { limit: 100_000 }),
            ] as const,
        ),
      ),
    ) as Record<string, DeadLetter[]>;
    const isPoison = (l: DeadLetter) => l.body.includes(`chaos-poison-${runId}-`);
    const deadLetteredByCode: Record<string, number> = {};
    let deadLettered = 0;
    let deadLetterCopies = 0;
    const lostDetails: string[] = [];
    const duplicateDetails: string[] = [];
    for (const [service, letters] of Object.entries(dlqs)) {
      // A record dead-lettered, then redelivered with its batch after a crash, is dead-lettered
      // again: copies of one message share its original SQS message id and count once.
      const originals = new Set<string>();
      for (const l of letters) {
        const original = l.originalMessageId ?? l.messageId;
        if (originals.has(original)) {
          deadLetterCopies++;
          continue;
        }
        originals.add(original);
        deadLettered++;
        const key = `${service}:${l.code}`;
        deadLetteredByCode[key] = (deadLetteredByCode[key] ?? 0) + 1;
      }
      const poison = letters.filter(isPoison);
      for (const marker of poisonMarkers) {
        const copies = poison.filter((l) => l.body.includes(`${marker}"`));
        const distinct = new Set(copies.map((l) => l.originalMessageId ?? l.messageId)).size;
        const expected = POISON_SUBSCRIBERS.includes(service) ? 1 : 0;
        if (distinct < expected)
          lostDetails.push(`poison ${marker} missing from the ${service} DLQ`);
        if (distinct > expected)
          duplicateDetails.push(`poison ${marker} ${distinct}× in the ${service} DLQ`);
        for (const copy of copies)
          if (!CONTRACT_CODES.has(copy.code))
            lostDetails.push(
              `poison ${marker} in the ${service} DLQ without its reason (${copy.code})`,
            );
      }
    }
    // The operator's redrive, facing a flaky SQS itself (through the proxy, errors only): a send
    // that fails must leave its message in the DLQ, never lose it. Poison stays where it is.
    // The functions call AWS through the same proxy, so a redriven message can be dead-lettered
    // again meanwhile — in any service: rounds go on until, once quiet, no DLQ holds one.
    let redriven = 0;
    // One attempt per call: every injected failure reaches the redrive code itself.
    const flakySqs = new SQSClient({ endpoint: proxy.url, maxAttempts: 1 });
    const notPoison = (l: DeadLetter) => !CONTRACT_CODES.has(l.code);
    /**
     * What a DLQ still holds for the redrive: how many letters are hidden (by a redrive whose
     * reveal failed; they reappear when their visibility times out) and, only when none is, the
     * letters it can see, poison aside. Reading while some are hidden would hide more.
     */
    const waitingIn = async (dlqUrl: string) => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const hidden = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
      if (hidden > 0) return { left: 0, hidden };
      const visible = await readDeadLetters(sqs, dlqUrl, { limit: 100_000 });
      return { left: visible.filter(notPoison).length, hidden: 0 };
    };
    for (let round = 1; ; round++) {
      proxy.setRates({ error: o.faults });
      for (const service of SERVICES) {
        const dlqUrl = stack.deadLetterQueues[service] as string;
        const deadline = Date.now() + 10 * 60_000;
        for (;;) {
          const { left, hidden } = await waitingIn(dlqUrl);
          if (left === 0 && hidden === 0) break;
          if (Date.now() > deadline)
            throw new Error(
              `${left} letters could not be redriven from the ${service} DLQ (${hidden} hidden)`,
            );
          // Only what it can see: redriving again now would hide the poison again, and hidden
          // letters (any of them may not be poison) must reappear before the DLQ counts as done.
          if (left > 0) {
            try {
              redriven += (await redrive(flakySqs, dlqUrl, { filter: notPoison })).moved;
            } catch (error) {
              // a call that failed: the operator runs it again; what it moved before counts
              if (error instanceof RedriveInterrupted) redriven += error.moved;
            }
          }
          await sleep(left > 0 ? 1_000 : 5_000);
        }
      }
      proxy.setRates({ error: 0 });
      await waitQuiet('after the redrive');
      let again = 0;
      for (const service of SERVICES) {
        const { left, hidden } = await waitingIn(stack.deadLetterQueues[service] as string);
        again += left + hidden;
      }
      o.log(`redrive round ${round}: ${redriven} moved so far, ${again} dead-lettered again`);
      if (again === 0) break;
      if (round === 5) throw new Error(`${again} letters are still dead-lettered after 5 rounds`);
    }
    o.log(`redrove ${redriven} dead letters through a flaky SQS (${o.faults} of calls failing)`);
    await sleep(3_000);
    auditing = false;
    await auditLoop;

    // ── The oracle ────────────────────────────────────────────────────────────────────────────
    const records = new Map<string, Record<string, unknown>>();
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documentClient().send(
        new ScanCommand({
          TableName: `${serviceName()}-${o.stage}-calculations`,
          ExclusiveStartKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) records.set(item.calculationId as string, item);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);

    const accepted2xx = new Map<string, ReceivedWebhook[]>(); // calculationId → accepted deliveries
    for (const d of receiver.deliveries) {
      if (d.status !== 200 || !d.event) continue;
      const id = d.event.data.calculationId as string;
      accepted2xx.set(id, [...(accepted2xx.get(id) ?? []), d]);
    }
    let completed = 0;
    let sameIdRedeliveries = 0;
    const latencies: number[] = [];
    const knownIds = new Set(accepted.map((c) => c.calculationId));
    for (const c of accepted) {
      const id = c.calculationId as string;
      const record = records.get(id);
      const outcome = record?.status;
      const right =
        c.expected.status === 'completed'
          ? outcome === 'completed' && record?.result === c.expected.result
          : outcome === 'failed' &&
            (record?.error as { code?: string } | undefined)?.code === c.expected.code;
      const deliveries = accepted2xx.get(id) ?? [];
      const webhookIds = new Set(deliveries.map((d) => d.headers['webhook-id']));
      if (!right)
        lostDetails.push(
          `calculation ${id} (${c.via}) ended ${outcome ?? 'unstored'}${record?.result ? ` = ${record.result}` : ''}, expected ${JSON.stringify(c.expected)}`,
        );
      else if (deliveries.length === 0)
        lostDetails.push(`calculation ${id} (${c.via}) stored but never notified`);
      else completed++;
      // Standard Webhooks: a receiver applies a webhook-id once, so the same id accepted again
      // is a redelivery (a crash between the answer and the sender's record; no sender can close
      // that window), counted apart; two different ids for one outcome are two effects.
      sameIdRedeliveries += deliveries.length - webhookIds.size;
      if (webhookIds.size > 1) {
        duplicateDetails.push(
          `calculation ${id}: ${webhookIds.size} different webhook-ids accepted (${deliveries.length} deliveries)`,
        );
      }
      if ((outcomes.get(id)?.size ?? 0) > 1) {
        duplicateDetails.push(
          `calculation ${id}: ${outcomes.get(id)?.size} different outcome events`,
        );
      }
      const extra = (c as Calculation & { extraIds?: string[] }).extraIds;
      if (extra?.length) {
        duplicateDetails.push(
          `calculation ${id}: the same Idempotency-Key started ${extra.join(', ')} too`,
        );
      }
      const first = deliveries[0];
      if (right && first) latencies.push(first.receivedAt.getTime() - c.sentAt);
    }
    // Calculations of this run that nobody asked for: a request applied twice.
    for (const [id, record] of records) {
      if (knownIds.has(id) || Date.parse(String(record.createdAt)) < startedAt) continue;
      duplicateDetails.push(`calculation ${id} exists but was never accepted by this run`);
    }
    // Every line of detail is one thing lost, or one effect applied twice.
    const lost = lostDetails.length;
    const duplicateEffects = duplicateDetails.length;
    const webhookRedeliveries = receiver.deliveries.filter((d) => d.status !== 200).length;
    latencies.sort((x, y) => x - y);
    const lastEffect = Math.max(
      ...receiver.deliveries.filter((d) => d.status === 200).map((d) => d.receivedAt.getTime()),
      driveStart + 1,
    );
    return {
      events: accepted.length + poisonCount,
      calculations: accepted.length,
      poisonSent: poisonCount,
      duplicatesSent,
      duplicatesSuppressed: Math.max(0, duplicatesSent - duplicateEffects),
      completed,
      deadLettered,
      deadLetterCopies,
      deadLetteredByCode,
      redriven,
      lost,
      lostDetails,
      duplicateEffects,
      duplicateDetails,
      webhookRedeliveries,
      sameIdRedeliveries,
      unanswered: unanswered.length,
      answeredLate,
      faultsInjected: { ...proxy.injected },
      webhookFaultsInjected: webhookFaults,
      throughputPerSecond: accepted.length / ((lastEffect - driveStart) / 1000),
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      durationSeconds: (Date.now() - startedAt) / 1000,
    };
  } finally {
    await audit?.remove();
    await receiver?.close();
    await proxy.close();
  }
}

/** The conservation table, then the one summary line tools read (always last). */
export function formatReport(r: ChaosReport): string {
  const rows: Array<[string, string | number]> = [
    ['calculations accepted', r.calculations],
    ['poison messages sent', r.poisonSent],
    ['duplicates sent', r.duplicatesSent],
    ['duplicates suppressed', r.duplicatesSuppressed],
    ['completed (stored right + notified)', r.completed],
    ['dead-lettered (first look, distinct messages)', r.deadLettered],
    ...Object.entries(r.deadLetteredByCode)
      .sort()
      .map(([k, v]) => [`  ${k}`, v] as [string, number]),
    ['  + copies of a dead letter (batch redelivered after a crash)', r.deadLetterCopies],
    ['redriven', r.redriven],
    ['lost', r.lost],
    ['duplicate effects', r.duplicateEffects],
    ['webhook attempts not accepted (retried)', r.webhookRedeliveries],
    ['webhooks accepted again under the same webhook-id', r.sameIdRedeliveries],
    [
      'POSTs unanswered during faults / answered when asked again',
      `${r.unanswered} / ${r.answeredLate}`,
    ],
    [
      'AWS faults injected',
      Object.entries(r.faultsInjected)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
    [
      'webhook faults injected',
      Object.entries(r.webhookFaultsInjected)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
    ['throughput (calculations/s, send → last webhook)', r.throughputPerSecond.toFixed(1)],
    ['latency POST/publish → webhook p50 / p99 (ms)', `${r.latencyMs.p50} / ${r.latencyMs.p99}`],
    ['run time (s)', r.durationSeconds.toFixed(0)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const details = [
    ...r.lostDetails.slice(0, 20).map((d) => `LOST: ${d}`),
    ...r.duplicateDetails.slice(0, 20).map((d) => `DUPLICATE: ${d}`),
  ];
  return [
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    ...details,
    `events=${r.events} completed=${r.completed} dead-lettered=${r.deadLettered} redriven=${r.redriven} lost=${r.lost} duplicate-effects=${r.duplicateEffects}`,
  ].join('\n');
}
