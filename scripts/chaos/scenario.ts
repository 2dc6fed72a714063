import type { StackOutputs } from '../local/stack.ts';

// What a chaos scenario is. The engine (scripts/chaos/engine.ts) proves the mechanism for any
// topology; a scenario adds what only a domain can check — through its own front doors (an HTTP
// API), its own boundaries (a webhook receiver it makes flaky) and its own oracle (stored right,
// notified once). Every module in scripts/chaos/scenarios/ exporting `scenario` is run with the
// engine; a fork adds its own file there, and `remove:examples` deletes the example's.

/** What the engine tells a scenario. */
export interface ScenarioContext {
  stack: StackOutputs;
  /** This run's id: part of every name and marker the run makes. */
  runId: string;
  /** Events this scenario should send (its share of `--events`). */
  events: number;
  /** Share of inputs to send twice. */
  duplicates: number;
  /** Probability that a call fails while faults are on (the same rate the AWS faults use). */
  faults: number;
  /** How long a webhook-style target of the scenario stays down once faults are on. */
  outageSeconds: number;
  concurrency: number;
  /** Whether faults are on now: a scenario's own boundaries follow it. */
  faultsOn: () => boolean;
  /** Publish a raw message on the bus (SNS message attributes `type` and `source` set). */
  publish: (body: string, type: string, source?: string) => Promise<void>;
  /** The events the engine itself published (generic ones, built from the contracts): id → event. */
  engineEvents: ReadonlyMap<string, { type: string; data: unknown }>;
  /** The deployed functions' settings, by function name suffix (e.g. `notifierWorker`). */
  functionEnvironment: (functionSuffix: string) => Record<string, string>;
  log: (line: string) => void;
}

export interface ScenarioVerdict {
  /** Inputs the scenario sent that its oracle accounts for (counted in `events=`). */
  sent: number;
  /** Of those, how many ended exactly as they should. */
  completed: number;
  duplicatesSent: number;
  /** One line per thing lost or wrong; empty when all is well. */
  lost: string[];
  /** One line per effect applied twice. */
  duplicates: string[];
  /** Rows for the conservation table. */
  rows: Array<[string, string | number]>;
}

export interface ScenarioRun {
  /** Drive the scenario while faults are on (beside the engine's own events). */
  drive(): Promise<void>;
  /** Every event the bus carries, as the engine's tap sees it (duplicates included). */
  onEvent?(event: { id: string; type: string; source: string; data: unknown }, body: string): void;
  /**
   * Faults are off and the system is quiet: a scenario's clients ask again what got no answer.
   * Resolves to whether it sent anything (the engine then waits for quiet again).
   */
  afterFaults?(): Promise<boolean>;
  /** Its oracle, once every dead letter is redriven and the system is quiet. */
  verdict(): Promise<ScenarioVerdict>;
  close(): Promise<void>;
}

export interface ChaosScenario {
  name: string;
  /** Whether it has anything to do in this fork (default: yes); one that has not is not run. */
  applies?: () => boolean;
  /** Deployment settings the scenario needs on the stage, e.g. where webhooks go. */
  deploy?: { webhookUrl?: string };
  /** Called once the stage is deployed and clean, before faults are switched on. */
  start(context: ScenarioContext): Promise<ScenarioRun>;
}
