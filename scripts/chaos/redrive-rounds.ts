// The operator's part of a chaos run: what the DLQs hold once the system is quiet is redriven, as
// `npm run dlq` would, through an SQS that fails like the functions' did, round after round until
// nothing fails again.
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ContractViolationCode } from '../../events/contract-violation.ts';
import { consumerPace } from '../operations/consumer-pace.ts';
import { type DeadLetter, NO_REASON, readDeadLetters } from '../operations/dead-letters.ts';
import { RedriveInterrupted, redrive } from '../operations/redrive.ts';
import { startFaultProxy } from './fault-proxy.ts';
import { queueDepth } from './queues.ts';

/** What a consumer answers malformed input with: poison belongs in its DLQ under one of these. */
export const CONTRACT_CODES = new Set<ContractViolationCode>([
  'MALFORMED_MESSAGE',
  'INVALID_ENVELOPE',
  'UNKNOWN_EVENT_TYPE',
  'UNKNOWN_EVENT_VERSION',
  'INVALID_EVENT_DATA',
  'MESSAGE_TOO_LARGE',
]);
export const hasContractCode = (l: DeadLetter) =>
  CONTRACT_CODES.has(l.code as ContractViolationCode);

/** Dead-lettered on the first receive, with a reason: a PermanentError, never worth redriving. */
export const isPermanent = (l: DeadLetter) => l.code !== NO_REASON && l.attempts === '1';

/**
 * What the operator redrives: everything but letters refused for good (a contract code, a
 * PermanentError). A letter without a reason — moved by SQS after crashes or timeouts on every
 * receive — is redriven even when it is poison: the consumer then gives it its reason.
 */
const movable = (l: DeadLetter) => l.code === NO_REASON || (!hasContractCode(l) && !isPermanent(l));

/** Every letter of a DLQ, each once (a long read may see a letter again after its hide). */
export async function readAllLetters(sqs: SQSClient, dlqUrl: string): Promise<DeadLetter[]> {
  const letters = await readDeadLetters(sqs, dlqUrl, { limit: 100_000, hideSeconds: 120 });
  return [...new Map(letters.map((l) => [l.messageId, l])).values()];
}

const ROUNDS = 5;
/** How long a letter the redrive read stays hidden should its reveal fail. */
const HIDE_SECONDS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RedriveOutcome {
  redriven: number;
  /** Letters back in a DLQ after a round (summed over rounds): they failed again. */
  failedAgain: number;
  /** Redrive calls that failed for another reason than an injected fault, one line each. */
  errors: string[];
  /** Faults the redrive's own SQS calls met. */
  injected: Record<string, number>;
}

/** One consumer under redrive: its name, source queue and DLQ. */
export interface RedriveTarget {
  name: string;
  queueUrl: string;
  dlqUrl: string;
}

/**
 * Redrive every consumer's DLQ at the consumer's pace (scripts/operations/consumer-pace.ts), with
 * `errorRate` of its SQS calls failing, one attempt each: a send that fails must leave its letter
 * in the DLQ, never lose it. The functions' faults are off by now, so the rounds converge.
 */
export async function redriveRounds(options: {
  sqs: SQSClient;
  targets: RedriveTarget[];
  errorRate: number;
  /** Wait until the system is quiet again after a round. */
  waitQuiet: (what: string) => Promise<boolean>;
  log: (line: string) => void;
}): Promise<RedriveOutcome> {
  const { sqs, targets, errorRate, waitQuiet, log } = options;
  const proxy = await startFaultProxy({
    target: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
    errorRate,
  });
  try {
    const flakySqs = new SQSClient({ endpoint: proxy.url, maxAttempts: 1 });
    const paces = await redrivePaces(sqs, targets);
    log(`redrive paces (letters/s): ${[...paces].map(([n, p]) => `${n} ${p}`).join(', ')}`);
    const outcome = { redriven: 0, failedAgain: 0, errors: new Set<string>() };
    for (let round = 1, before = -1; round <= ROUNDS && outcome.redriven > before; round++) {
      before = outcome.redriven;
      await Promise.all(
        targets.map((t) => redriveUntilEmpty(sqs, flakySqs, t, paces.get(t.name), outcome)),
      );
      await waitQuiet('after the redrive');
      await waitUntilVisible(sqs, targets);
      let again = 0;
      for (const t of targets) {
        const { left, hidden } = await waitingIn(sqs, t.dlqUrl);
        again += left + hidden;
      }
      log(`redrive round ${round}: ${outcome.redriven} moved so far, ${again} dead-lettered again`);
      outcome.failedAgain += again;
      if (again === 0) break;
    }
    for (const e of outcome.errors) log(`a redrive failed: ${e}`);
    return { ...outcome, errors: [...outcome.errors], injected: { ...proxy.injected } };
  } finally {
    await proxy.close();
  }
}

/** Each consumer's pace, as `npm run dlq` reads it. */
async function redrivePaces(sqs: SQSClient, targets: RedriveTarget[]) {
  const paces = new Map<string, number>();
  for (const t of targets) {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: t.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const pace = await consumerPace(Attributes?.QueueArn as string);
    if (pace) paces.set(t.name, pace.perSecond);
  }
  return paces;
}

/**
 * Redrive one DLQ until a pass moves nothing and it holds nothing to move, hidden letters (a
 * reveal that failed) included: they come back after HIDE_SECONDS. Letters that stay hidden
 * longer than a hide (MiniStack has kept some in flight for minutes) are left for the verdict.
 */
async function redriveUntilEmpty(
  sqs: SQSClient,
  flakySqs: SQSClient,
  target: RedriveTarget,
  perSecond: number | undefined,
  outcome: { redriven: number; errors: Set<string> },
) {
  const deadline = Date.now() + 5 * 60_000;
  let progress = Date.now();
  while (Date.now() < deadline && Date.now() - progress < (HIDE_SECONDS + 30) * 1000) {
    try {
      const { moved } = await redrive(flakySqs, target.dlqUrl, {
        filter: movable,
        hideSeconds: HIDE_SECONDS,
        perSecond, // what an operator's npm run dlq would do
      });
      outcome.redriven += moved;
      if (moved > 0) {
        progress = Date.now();
        continue;
      }
    } catch (error) {
      // A call that failed: the operator runs it again; what it moved before counts.
      if (error instanceof RedriveInterrupted) {
        outcome.redriven += error.moved;
        if (error.moved > 0) progress = Date.now();
      } else outcome.errors.add(`${target.name}: ${(error as Error).message}`);
    }
    const { left, hidden } = await waitingIn(sqs, target.dlqUrl);
    if (left === 0 && hidden === 0) return;
    await sleep(1_000);
  }
}

/** Letters a DLQ holds for the redrive: the visible ones it would move, and any hidden. */
async function waitingIn(sqs: SQSClient, dlqUrl: string) {
  const { hidden } = await queueDepth(sqs, dlqUrl);
  const visible = await readAllLetters(sqs, dlqUrl);
  return { left: visible.filter(movable).length, hidden };
}

/** Until no DLQ holds a hidden letter (one whose reveal failed comes back on its own). */
async function waitUntilVisible(sqs: SQSClient, targets: RedriveTarget[]) {
  const deadline = Date.now() + (HIDE_SECONDS + 10) * 1000;
  while (Date.now() < deadline) {
    const counts = await Promise.all(targets.map((t) => queueDepth(sqs, t.dlqUrl)));
    if (counts.every((c) => c.hidden === 0)) return;
    await sleep(1_000);
  }
}
