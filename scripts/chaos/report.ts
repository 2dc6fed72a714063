// What a chaos run found (scripts/chaos/engine.ts) and how it is printed: the conservation table,
// then the one summary line tools read.
import { describeChecked } from '../iam/observer.ts';
import type { ScenarioVerdict } from './scenario.ts';

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

/** The report of a run that had nothing to prove. */
export function emptyReport(): ChaosReport {
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
