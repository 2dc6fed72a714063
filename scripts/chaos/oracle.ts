// The chaos run's oracle, read at the boundaries once the run is quiet: per consumer, every event
// of its types handled or dead-lettered with a reason, its queue drained, poison in its DLQ under
// a contract code, and its idempotency record of each event completed once; every event written
// to an outbox seen on the bus.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { documentClient } from '../../shared/aws/clients.ts';
import type { DeadLetter } from '../operations/dead-letters.ts';
import { outboxItemsOf } from '../operations/outbox-letters.ts';
import { queueDepth } from './queues.ts';
import { hasContractCode, isPermanent, readAllLetters } from './redrive-rounds.ts';
import type { ChaosReport, StuckLetter } from './report.ts';

export interface JudgedConsumer {
  name: string;
  consumes: string[];
  /** Keeps a Powertools idempotency record per event id (its completions are watched). */
  table: boolean;
  queueUrl: string;
  dlqUrl: string;
  /** Its DLQ's letters right after the faults (before any redrive). */
  firstLook: DeadLetter[];
}

export interface ConsumerVerdicts {
  stuck: StuckLetter[];
  deadLettered: number;
  deadLetterCopies: number;
  deadLetteredByCode: Record<string, number>;
  permanent: number;
  perConsumer: ChaosReport['perConsumer'];
  /** Event id → how many consumers handled it (did not dead-letter it). */
  handledBy: Map<string, number>;
  lost: string[];
  duplicates: string[];
}

export async function judgeConsumers(options: {
  sqs: SQSClient;
  consumers: JudgedConsumer[];
  /** Every event seen on the bus, by id. */
  seen: Map<string, { type: string }>;
  poison: Array<{ marker: string; type: string }>;
  isPoison: (letter: DeadLetter) => boolean;
  /** Completions of an event's idempotency record by a consumer (the fault proxy counts them). */
  completionsOf: (consumer: string, eventId: string) => number;
}): Promise<ConsumerVerdicts> {
  const { sqs, consumers, seen, poison, isPoison, completionsOf } = options;
  const v: ConsumerVerdicts = {
    stuck: [],
    deadLettered: 0,
    deadLetterCopies: 0,
    deadLetteredByCode: {},
    permanent: 0,
    perConsumer: [],
    handledBy: new Map(),
    lost: [],
    duplicates: [],
  };
  for (const c of consumers) {
    countFirstLook(c, v);
    const queued = await queueDepth(sqs, c.queueUrl);
    if (queued.visible + queued.hidden > 0)
      v.lost.push(
        `${c.name}: ${queued.visible} message(s) still waiting and ${queued.hidden} in flight in its queue`,
      );
    const dlq = await queueDepth(sqs, c.dlqUrl);
    if (dlq.hidden > 0)
      v.lost.push(
        `${c.name}: ${dlq.hidden} letter(s) in its DLQ stayed in flight (not visible), so they could not be read or redriven`,
      );
    const letters = await readAllLetters(sqs, c.dlqUrl);
    const finalIds = judgeLetters(c, letters, isPoison, v);
    judgePoison(c, letters, poison, v);
    // Every event of its types: handled, or dead-lettered with a reason. A consumer with an
    // idempotency table shows it: its record of the event completed, once.
    const expected = [...seen].filter(([, e]) => c.consumes.includes(e.type)).map(([id]) => id);
    let completions = 0;
    for (const id of expected) {
      if (finalIds.has(id)) continue;
      v.handledBy.set(id, (v.handledBy.get(id) ?? 0) + 1);
      if (!c.table) continue;
      const n = completionsOf(c.name, id);
      completions += n;
      if (n === 0) v.lost.push(`${c.name} never completed event ${id} (${seen.get(id)?.type})`);
      if (n > 1) v.duplicates.push(`${c.name} completed event ${id} ${n} times`);
    }
    v.perConsumer.push({
      name: c.name,
      table: c.table,
      events: expected.length,
      deadLettered: letters.filter((l) => !isPoison(l)).length,
      completions,
    });
  }
  for (const s of v.stuck)
    v.lost.push(
      `stuck in the ${s.consumer} DLQ: message ${s.messageId}, event ${s.eventId ?? '?'} (${s.eventType ?? '?'}), received ${s.receiveCount ?? '?'}× there, ${s.code}${s.reason ? `: ${s.reason}` : ''}`,
    );
  return v;
}

/** What the DLQ held right after the faults, each message once, by code. */
function countFirstLook(c: JudgedConsumer, v: ConsumerVerdicts) {
  const originals = new Set<string>();
  for (const l of c.firstLook) {
    const original = l.originalMessageId ?? l.messageId;
    if (originals.has(original)) {
      v.deadLetterCopies++; // its batch redelivered after a crash: dead-lettered again
      continue;
    }
    originals.add(original);
    v.deadLettered++;
    const key = `${c.name}:${l.code}`;
    v.deadLetteredByCode[key] = (v.deadLetteredByCode[key] ?? 0) + 1;
  }
}

/** The letters left after the redrive: poison aside, a PermanentError's, or stuck. Their event ids. */
function judgeLetters(
  c: JudgedConsumer,
  letters: DeadLetter[],
  isPoison: (letter: DeadLetter) => boolean,
  v: ConsumerVerdicts,
) {
  const finalIds = new Set<string>();
  for (const l of letters) {
    if (isPoison(l)) continue;
    if (l.eventId) finalIds.add(l.eventId);
    if (isPermanent(l)) {
      v.permanent++;
      continue;
    }
    v.stuck.push({
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
  return finalIds;
}

/** Poison: once in the DLQ of every consumer of its type, with a contract code. */
function judgePoison(
  c: JudgedConsumer,
  letters: DeadLetter[],
  poison: Array<{ marker: string; type: string }>,
  v: ConsumerVerdicts,
) {
  for (const p of poison.filter((p) => c.consumes.includes(p.type))) {
    const copies = letters.filter((l) => l.body.includes(`${p.marker}"`));
    const distinct = new Set(copies.map((l) => l.originalMessageId ?? l.messageId)).size;
    if (distinct === 0)
      v.lost.push(`poison ${p.marker} (${p.type}) missing from the ${c.name} DLQ`);
    // Dead-lettered again after a redrive (a new message id) or a crash: a copy in the DLQ, not a
    // handler's effect twice — duplicate-effects counts those only.
    if (distinct > 1) v.deadLetterCopies += distinct - 1;
    for (const copy of copies)
      if (!hasContractCode(copy))
        v.lost.push(`poison ${p.marker} in the ${c.name} DLQ without its reason (${copy.code})`);
  }
}

/**
 * Every event a service wrote to a table's outbox during the run (shared/outbox.ts) was relayed
 * onto the bus, whatever the faults did to the transaction, the relay or its retries.
 */
export async function judgeOutboxes(options: {
  tables: string[];
  since: number;
  seen: Map<string, unknown>;
  log: (line: string) => void;
}): Promise<string[]> {
  const { tables, since, seen, log } = options;
  const window = {
    firstArrival: new Date(since).toISOString(),
    lastArrival: new Date().toISOString(),
  };
  const lost: string[] = [];
  for (const tableName of tables) {
    const written = await outboxItemsOf(documentClient(), { ...window, tableName });
    log(`${tableName}: ${written.length} events written to its outbox during the run`);
    for (const item of written)
      if (!seen.has(item.eventId))
        lost.push(
          `${tableName}: outbox event ${item.eventId} (${item.type}) written but never published`,
        );
  }
  return lost;
}
