import type { startIamObserver } from '../iam/observer.ts';
import type { DeadLetter } from '../operations/dead-letters.ts';
import type { startBusAudit } from './bus-audit.ts';
import { ENGINE_SOURCE } from './drive.ts';
import type { FaultProxy } from './fault-proxy.ts';
import type { DriveOutcome, ScenarioRunOf } from './faults-on.ts';
import { judgeConsumers, judgeOutboxes } from './oracle.ts';
import { hasContractCode, type RedriveOutcome } from './redrive-rounds.ts';
import type { ChaosReport } from './report.ts';
import type { ScenarioVerdict } from './scenario.ts';
import type { ChaosStage } from './stage.ts';
import { type Consumer, recordKey } from './subjects.ts';

// The chaos run's verdict, read at the boundaries once everything is quiet: each consumer's
// oracle, the outboxes', the scenarios' own, the IAM observer's; then the report.

/** Everything the run saw and did, for the oracles. */
export interface RunRecord {
  runId: string;
  /** When the run started (ms since the epoch). */
  startedAt: number;
  /** The event types some consumer consumes. */
  types: string[];
  stage: ChaosStage;
  proxy: FaultProxy;
  observer: Awaited<ReturnType<typeof startIamObserver>>;
  seen: Awaited<ReturnType<typeof startBusAudit>>['seen'];
  engineEvents: Map<string, { type: string; data: unknown }>;
  drive: DriveOutcome;
  runs: ScenarioRunOf[];
  /** Each consumer's dead letters before the redrive. */
  firstLook: Map<string, DeadLetter[]>;
  redriven: RedriveOutcome;
  quietAfterSeconds: number;
  log: (line: string) => void;
}

export async function judgeRun(r: RunRecord): Promise<ChaosReport> {
  const { consumers } = r.stage;
  const lostDetails = [...r.drive.lost];
  const duplicateDetails: string[] = [];
  const verdicts = await judgeConsumers({
    sqs: r.stage.sqs,
    consumers: consumers.map((c) => ({ ...c, firstLook: r.firstLook.get(c.name) ?? [] })),
    seen: r.seen,
    poison: r.drive.poison,
    // This run's poison (by its marker); any letter with a contract code is poison's kind too.
    isPoison: (l) => l.body.includes(`chaos-poison-${r.runId}-`) || hasContractCode(l),
    completionsOf: (consumer, id) => r.proxy.completions.get(recordKey(consumer, id)) ?? 0,
  });
  lostDetails.push(...verdicts.lost);
  duplicateDetails.push(...verdicts.duplicates);
  for (const id of r.engineEvents.keys())
    if (!r.seen.has(id)) lostDetails.push(`event ${id} was published but never seen on the bus`);
  lostDetails.push(
    ...(await judgeOutboxes({
      tables: r.stage.stack.outboxTables,
      since: r.startedAt,
      seen: r.seen,
      log: r.log,
    })),
  );
  if (verdicts.stuck.length)
    lostDetails.push(...r.redriven.errors.map((e) => `redrive failed: ${e}`));
  let duplicatesSent = r.drive.duplicatesSent;
  const scenarioVerdicts = await judgeScenarios(r.runs);
  for (const { name, verdict } of scenarioVerdicts) {
    lostDetails.push(...verdict.lost.map((d) => `${name}: ${d}`));
    duplicateDetails.push(...verdict.duplicates.map((d) => `${name}: ${d}`));
    duplicatesSent += verdict.duplicatesSent;
  }
  const completed = [...r.seen].filter(
    ([id, e]) =>
      r.types.includes(e.type) &&
      verdicts.handledBy.get(id) === consumers.filter((c) => c.consumes.includes(e.type)).length,
  ).length;
  const iam = await r.observer.check();
  return {
    events: r.seen.size + r.drive.poison.length,
    engineEvents: r.engineEvents.size,
    handlerEvents: [...r.seen.values()].filter((e) => e.source !== ENGINE_SOURCE).length,
    poisonSent: r.drive.poison.length,
    duplicatesSent,
    completed,
    deadLettered: verdicts.deadLettered,
    deadLetterCopies: verdicts.deadLetterCopies,
    deadLetteredByCode: verdicts.deadLetteredByCode,
    permanent: verdicts.permanent,
    redriven: r.redriven.redriven,
    failedAgainAfterRedrive: r.redriven.failedAgain,
    lost: lostDetails.length,
    lostDetails,
    duplicateEffects: duplicateDetails.length,
    duplicateDetails,
    stuck: verdicts.stuck,
    perConsumer: verdicts.perConsumer,
    scenarios: scenarioVerdicts,
    faultsInjected: { ...r.proxy.injected },
    redriveFaultsInjected: r.redriven.injected,
    otherRecordsCompletedTwice: otherRecordsCompletedTwice(consumers, r.proxy.completions),
    iamChecked: iam.checked,
    iamDenied: iam.denied,
    durationSeconds: (Date.now() - r.startedAt) / 1000,
    quietAfterSeconds: r.quietAfterSeconds,
  };
}

/** Each scenario's own oracle; one that fails says so as a loss. */
async function judgeScenarios(runs: ScenarioRunOf[]) {
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
