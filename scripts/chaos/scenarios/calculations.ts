import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { buildCloudEvent } from '../../../events/cloud-event.ts';
import { currentContract } from '../../../events/registry.ts';
import { documentClient } from '../../../shared/aws/clients.ts';
import { LOCAL_WEBHOOK } from '../../emulator/local-env.ts';
import { percentile } from '../../lib/stats.ts';
import { localWebhookSecret, serviceName } from '../../local/stack.ts';
import { type ReceivedWebhook, startWebhookReceiver } from '../../local/webhook-receiver.ts';
import type { ChaosScenario, ScenarioContext, ScenarioRun } from '../scenario.ts';

// The example domain's own oracle, stricter than the engine's: calculations through the HTTP API
// (a client retrying with its Idempotency-Key) and straight onto the bus, the notifier's webhook
// target flaky and then down for longer than its whole retry schedule — and at the end every
// calculation stored with the right result and notified once (one webhook-id). `npm run
// remove:examples` deletes this file with the rest of the example.

const RECEIVER_PORT = 4598; // not 4599: the e2e tier's receiver may be listening there
const WEBHOOK_URL = `http://${LOCAL_WEBHOOK.host}:${RECEIVER_PORT}${LOCAL_WEBHOOK.path}`;
const SOURCE = 'chaos-calculations';

type Operation = 'add' | 'subtract' | 'multiply' | 'divide';
interface Calculation {
  via: 'http' | 'bus';
  operation: Operation;
  a: string;
  b: string;
  /** Filled when accepted (the HTTP API answers with it; the bus uses our own). */
  calculationId?: string;
  /** Ids a repeated POST with the same Idempotency-Key answered with, other than the first. */
  extraIds: string[];
  expected: { status: 'completed'; result: string } | { status: 'failed'; code: string };
  sentAt: number;
}

/** Integer operands, so the expected result needs no decimal library to state. */
function makeCalculation(via: Calculation['via']): Calculation {
  const int = (n: number) => Math.floor(Math.random() * n);
  const operation = (['add', 'subtract', 'multiply', 'divide'] as const)[int(4)] as Operation;
  const b = operation === 'divide' && Math.random() < 0.1 ? 0 : int(1000) + 1;
  const a = operation === 'divide' ? b * int(1000) : int(100_000);
  const result =
    operation === 'add'
      ? a + b
      : operation === 'subtract'
        ? a - b
        : operation === 'multiply'
          ? a * b
          : a / b;
  return {
    via,
    operation,
    a: String(a),
    b: String(b),
    extraIds: [],
    sentAt: 0,
    expected:
      operation === 'divide' && b === 0
        ? { status: 'failed', code: 'DIVISION_BY_ZERO' }
        : { status: 'completed', result: String(result) },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(ctx: ScenarioContext): Promise<ScenarioRun> {
  const { stack } = ctx;
  if (!stack.apiUrl) throw new Error(`Stage ${stack.stage} has no HTTP API`);
  const startedAt = Date.now();
  const webhookTimeoutMs = Number(
    ctx.functionEnvironment('notifierWorker').WEBHOOK_TIMEOUT_MS ?? 3000,
  );
  const webhookFaults = { http500: 0, http503: 0, http429: 0, slow: 0, outage: 0 };
  let outageUntil = 0;
  const receiver = await startWebhookReceiver({
    secret: await localWebhookSecret(stack.stage),
    host: LOCAL_WEBHOOK.host,
    port: RECEIVER_PORT,
    path: LOCAL_WEBHOOK.path,
    respond: async () => {
      // Down from the first delivery while faults are on, for longer than the notifier's schedule.
      if (ctx.faultsOn() && outageUntil === 0) outageUntil = Date.now() + ctx.outageSeconds * 1000;
      if (Date.now() < outageUntil) {
        webhookFaults.outage++;
        return 503;
      }
      if (!ctx.faultsOn() || Math.random() >= ctx.faults) return 200;
      const kind =
        (['http500', 'http503', 'http429', 'slow'] as const)[Math.floor(Math.random() * 4)] ??
        'http500';
      webhookFaults[kind]++;
      if (kind === 'slow') {
        await sleep(webhookTimeoutMs + 1_000); // past the notifier's timeout: it gave up; not accepted
        return 504;
      }
      return kind === 'http500' ? 500 : kind === 'http503' ? 503 : 429;
    },
  });

  const calculations = Array.from({ length: ctx.events }, (_, i) =>
    makeCalculation(i % 2 ? 'bus' : 'http'),
  );
  const unanswered: Array<{ c: Calculation; post: () => Promise<string | undefined> }> = [];
  const outcomes = new Map<string, Set<string>>(); // calculationId → outcome event ids
  const resent = new Set<string>();
  let duplicatesSent = 0;
  let answeredLate = 0;
  let driveStart = 0;

  return {
    async drive() {
      driveStart = Date.now();
      await pMap(
        calculations,
        async (c) => {
          c.sentAt = Date.now();
          const times = Math.random() < ctx.duplicates ? 2 : 1;
          if (c.via === 'bus') {
            c.calculationId = randomUUID();
            const body = JSON.stringify(
              buildCloudEvent(
                currentContract('calculation.requested'),
                { calculationId: c.calculationId, operation: c.operation, a: c.a, b: c.b },
                SOURCE,
              ),
            );
            for (let t = 0; t < times; t++)
              await ctx.publish(body, 'calculation.requested', SOURCE);
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
              await sleep(100 * 2 ** attempt);
            }
            return undefined;
          };
          const first = await post();
          if (!first) {
            // No answer in 8 tries: the request may still have been applied. A client with an
            // Idempotency-Key asks again later, with the same key (afterFaults).
            unanswered.push({ c, post });
            return;
          }
          c.calculationId = first;
          for (let t = 1; t < times; t++) {
            duplicatesSent++;
            const again = await post();
            if (again && again !== first) c.extraIds.push(again);
          }
        },
        { concurrency: ctx.concurrency },
      );
      ctx.log(
        `sent ${calculations.length} calculations (${unanswered.length} POSTs unanswered yet) in ${((Date.now() - driveStart) / 1000).toFixed(1)} s`,
      );
    },

    onEvent(event, body) {
      if (event.type !== 'calculation.completed' && event.type !== 'calculation.failed') return;
      const id = (event.data as { calculationId?: string } | undefined)?.calculationId ?? '';
      const ids = outcomes.get(id) ?? new Set<string>();
      ids.add(event.id);
      outcomes.set(id, ids);
      // The identical outcome message again while faults are on: storage and the notifier must not act twice.
      if (ctx.faultsOn() && !resent.has(event.id) && Math.random() < ctx.duplicates) {
        resent.add(event.id);
        duplicatesSent++;
        ctx.publish(body, event.type, event.source).catch(() => duplicatesSent--);
      }
    },

    async afterFaults() {
      outageUntil = 1; // over, and not to start again
      // The clients that got no answer ask again with their key: the stored answer, or a first run.
      for (const { c, post } of unanswered) {
        const id = await post();
        if (!id) continue;
        c.calculationId = id;
        answeredLate++;
      }
      return answeredLate > 0;
    },

    async verdict() {
      const lost: string[] = [];
      const duplicates: string[] = [];
      const records = new Map<string, Record<string, unknown>>();
      const outboxed = new Map<string, number>(); // calculationId → its outbox items
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await documentClient().send(
          new ScanCommand({
            TableName: `${serviceName()}-${stack.stage}-calculations`,
            ExclusiveStartKey,
            ConsistentRead: true,
          }),
        );
        for (const item of page.Items ?? []) {
          // The outbox items of the requests (storage writes each calculation with its event):
          // one per calculation, however often its request was retried under faults.
          if (item.kind === 'outbox') {
            const { data } = JSON.parse(String(item.body)) as { data: { calculationId: string } };
            outboxed.set(data.calculationId, (outboxed.get(data.calculationId) ?? 0) + 1);
          } else records.set(item.calculationId as string, item);
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      for (const [id, n] of outboxed)
        if (n > 1) duplicates.push(`calculation ${id} was written to the outbox ${n} times`);
      for (const c of calculations)
        if (c.via === 'http' && c.calculationId && !outboxed.has(c.calculationId))
          lost.push(`calculation ${c.calculationId} was accepted but its event never written`);

      const accepted2xx = new Map<string, ReceivedWebhook[]>(); // calculationId → accepted deliveries
      for (const d of receiver.deliveries) {
        if (d.status !== 200 || !d.event) continue;
        const id = d.event.data.calculationId as string;
        accepted2xx.set(id, [...(accepted2xx.get(id) ?? []), d]);
      }
      const accepted = calculations.filter((c) => c.calculationId);
      let completed = 0;
      let sameIdRedeliveries = 0;
      const latencies: number[] = [];
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
          lost.push(
            `calculation ${id} (${c.via}) ended ${outcome ?? 'unstored'}${record?.result ? ` = ${record.result}` : ''}, expected ${JSON.stringify(c.expected)}`,
          );
        else if (deliveries.length === 0)
          lost.push(`calculation ${id} (${c.via}) stored but never notified`);
        else completed++;
        // Standard Webhooks: a receiver applies a webhook-id once, so the same id accepted again
        // is a redelivery (a crash between the answer and the sender's record; no sender can close
        // that window), counted apart; two different ids for one outcome are two effects.
        sameIdRedeliveries += deliveries.length - webhookIds.size;
        if (webhookIds.size > 1)
          duplicates.push(
            `calculation ${id}: ${webhookIds.size} different webhook-ids accepted (${deliveries.length} deliveries)`,
          );
        if ((outcomes.get(id)?.size ?? 0) > 1)
          duplicates.push(`calculation ${id}: ${outcomes.get(id)?.size} different outcome events`);
        if (c.extraIds.length)
          duplicates.push(
            `calculation ${id}: the same Idempotency-Key started ${c.extraIds.join(', ')} too`,
          );
        const first = deliveries[0];
        if (right && first) latencies.push(first.receivedAt.getTime() - c.sentAt);
      }
      // Calculations of this run that nobody asked for: a request applied twice. The engine's own
      // events (built from the contracts) name calculations of their own; those are not ours.
      const known = new Set(accepted.map((c) => c.calculationId));
      for (const { data } of ctx.engineEvents.values())
        known.add((data as { calculationId?: string }).calculationId);
      for (const [id, record] of records) {
        if (known.has(id) || Date.parse(String(record.createdAt)) < startedAt) continue;
        duplicates.push(`calculation ${id} exists but was never accepted by this run`);
      }
      latencies.sort((x, y) => x - y);
      const lastEffect = Math.max(
        ...receiver.deliveries.filter((d) => d.status === 200).map((d) => d.receivedAt.getTime()),
        driveStart + 1,
      );
      return {
        sent: accepted.length,
        completed,
        duplicatesSent,
        lost,
        duplicates,
        rows: [
          ['calculations accepted', accepted.length],
          ['completed (stored right + notified)', completed],
          [
            'webhook attempts not accepted (retried)',
            receiver.deliveries.filter((d) => d.status !== 200).length,
          ],
          ['webhooks accepted again under the same webhook-id', sameIdRedeliveries],
          [
            'POSTs unanswered during faults / answered when asked again',
            `${unanswered.length} / ${answeredLate}`,
          ],
          [
            'webhook faults injected',
            Object.entries(webhookFaults)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
          ],
          [
            'throughput (calculations/s, send → last webhook)',
            (accepted.length / ((lastEffect - driveStart) / 1000)).toFixed(1),
          ],
          [
            'latency POST/publish → webhook p50 / p99 (ms)',
            `${percentile(latencies, 50)} / ${percentile(latencies, 99)}`,
          ],
        ],
      };
    },

    close: () => receiver.close(),
  };
}

export const scenario: ChaosScenario = {
  name: 'calculations',
  deploy: { webhookUrl: WEBHOOK_URL },
  start,
};
