import { currentContract, type EventType } from '../../events/registry.ts';
import { driveEngineEvents, sendPoison } from './drive.ts';
import type { ChaosOptions } from './engine.ts';
import type { FaultProxy } from './fault-proxy.ts';
import type { ChaosScenario, ScenarioRun } from './scenario.ts';
import type { ChaosStage } from './stage.ts';

// The chaos run's drive: the scenarios started, then faults on at the proxy, the engine's events
// (with duplicates), poison and the scenarios' own inputs sent while DynamoDB and SNS go down.

export interface ScenarioRunOf {
  scenario: ChaosScenario;
  run: ScenarioRun;
}

/** What the run was asked for that the drive needs. */
export type DriveOptions = Pick<
  ChaosOptions,
  | 'events'
  | 'duplicates'
  | 'poison'
  | 'faults'
  | 'crashRate'
  | 'hangRate'
  | 'outageSeconds'
  | 'concurrency'
  | 'log'
>;

/** Whether faults are on: what the scenarios' own boundaries follow. */
export interface FaultSwitch {
  on: boolean;
}

/** Each scenario's share of the events: half of them, shared among the scenarios. */
const eventsPerScenario = (events: number, scenarios: number) =>
  scenarios ? Math.floor(events / 2 / scenarios) : 0;

/** What both steps work with: the stage, the run, the fault switch and the bus. */
export interface Driving {
  stage: ChaosStage;
  runId: string;
  drive: DriveOptions;
  faults: FaultSwitch;
  publish: (body: string, type: string, source?: string) => Promise<void>;
  engineEvents: Map<string, { type: string; data: unknown }>;
}

/** Each scenario started with its share of the events; pushed to `runs` as they start. */
export async function startScenarios(
  options: Driving & { scenarios: ChaosScenario[]; runs: ScenarioRunOf[] },
): Promise<void> {
  const { scenarios, stage, drive: o } = options;
  const events = eventsPerScenario(o.events, scenarios.length);
  for (const scenario of scenarios)
    options.runs.push({
      scenario,
      run: await scenario.start({
        stack: stage.stack,
        runId: options.runId,
        events,
        duplicates: o.duplicates,
        faults: o.faults,
        outageSeconds: o.outageSeconds,
        concurrency: o.concurrency,
        faultsOn: () => options.faults.on,
        publish: options.publish,
        engineEvents: options.engineEvents,
        functionEnvironment: (suffix) =>
          Object.entries(stage.functions).find(([name]) => name.endsWith(suffix))?.[1]
            .environment ?? {},
        log: (line) => o.log(`${scenario.name}: ${line}`),
      }),
    });
}

export interface DriveOutcome {
  /** When the faults went on (ms since the epoch). */
  startedAt: number;
  duplicatesSent: number;
  poison: Awaited<ReturnType<typeof sendPoison>>;
  /** What could not be sent at all (a type without an example). */
  lost: string[];
}

/** Faults on, everything sent, the outage held; faults stay on (the caller waits for quiet). */
export async function driveUnderFaults(
  options: Driving & { proxy: FaultProxy; runs: ScenarioRunOf[]; types: string[] },
): Promise<DriveOutcome> {
  const { proxy, stage, runs, types, drive: o } = options;
  const engineCount = o.events - eventsPerScenario(o.events, runs.length) * runs.length;
  const withExamples = types.filter((t) => currentContract(t as EventType).examples.length);
  const lost = types
    .filter((t) => !withExamples.includes(t))
    .map((t) => `contract ${t} has no example, so no event of it could be built`);

  const startedAt = Date.now();
  proxy.setRates({
    error: o.faults,
    crash: o.crashRate,
    hang: o.hangRate,
    // Once the first events are on their way: they meet it on every retry.
    outageUntil: o.outageSeconds > 0 ? startedAt + 2_000 + o.outageSeconds * 1000 : 0,
    exhaustedAt: Math.min(
      ...Object.values(stage.functions).map((f) =>
        Number(f.environment.MAX_RECEIVE_COUNT ?? Number.POSITIVE_INFINITY),
      ),
    ),
  });
  options.faults.on = true;
  const outageHeld = holdOutage(proxy, startedAt + 2_000, o.outageSeconds, o.log);
  o.log(
    `faults on: AWS calls ${o.faults}, crashes ${o.crashRate}, hangs ${o.hangRate} (held ${stage.longestTimeout + 2} s), DynamoDB and SNS down for ${o.outageSeconds} s or more from 2 s in; ${engineCount} events of ${withExamples.join(', ') || 'no type'}`,
  );
  const engineDrive = driveEngineEvents({
    count: engineCount,
    types: withExamples,
    duplicates: o.duplicates,
    concurrency: o.concurrency,
    publish: options.publish,
    sent: options.engineEvents,
  });
  const poison = await sendPoison({
    count: types.length ? Math.max(4, Math.round(o.events * o.poison)) : 0,
    types,
    runId: options.runId,
    publish: options.publish,
  });
  const [duplicatesSent] = await Promise.all([
    engineDrive,
    outageHeld,
    ...runs.map(({ run }) => run.drive()),
  ]);
  o.log(
    `sent ${options.engineEvents.size} events (${duplicatesSent} duplicates) and ${poison.length} poison in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
  );
  return { startedAt, duplicatesSent, poison, lost };
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
