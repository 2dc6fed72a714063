// events/contracts.lock.json: the JSON Schema of every event type and major as last recorded, with
// its examples, and the verdict of today's registry against it — one sentence per break, with its
// way out. The examples guard what a JSON Schema cannot show: a zod refinement or transform
// (events/decimal.ts's rules) that refuses a recorded example is a break too.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EventContract } from '../../events/contract.ts';
import { describeIssues } from '../../events/contract-violation.ts';
import { dataSchema } from '../generate-events.ts';
import { formatWithBiome } from '../new-service.ts';
import { compareSchemas, type JsonSchema } from './schema-changes.ts';

export const LOCK_FILE = 'events/contracts.lock.json';

export interface ContractsLock {
  about: string;
  /** type → `v<major>` → the JSON Schema of its `data`. */
  contracts: Record<string, Record<string, JsonSchema>>;
  /**
   * type → `v<major>` → data known valid under it: the contract's examples whenever recorded
   * (kept while today's schema accepts them). Absent in a lock recorded before examples were.
   */
  examples?: Record<string, Record<string, unknown[]>>;
}

const ABOUT =
  "The data schema and examples of every event type and major as last recorded by `npm run contracts:check -- --update`. contracts:check fails on a change a producer or consumer of a recorded major could not survive, and on a recorded example today's schema refuses (docs/events.md).";

/** The lock today's contracts would make: types in alphabetical order, majors in number order. */
export function lockOf(contracts: readonly EventContract[]): ContractsLock {
  const sorted = [...contracts].sort(
    (a, b) => a.type.localeCompare(b.type) || a.version - b.version,
  );
  const lock: Required<ContractsLock> = { about: ABOUT, contracts: {}, examples: {} };
  for (const contract of sorted) {
    const key = `v${contract.version}`;
    lock.contracts[contract.type] = {
      ...lock.contracts[contract.type],
      [key]: dataSchema(contract) as JsonSchema,
    };
    lock.examples[contract.type] = {
      ...lock.examples[contract.type],
      [key]: JSON.parse(JSON.stringify(contract.examples)) as unknown[],
    };
  }
  return lock;
}

const json = (value: unknown) => JSON.stringify(value);
const recordedExamples = (lock: ContractsLock, type: string, key: string) =>
  lock.examples?.[type]?.[key] ?? [];

/**
 * What `--update` writes: today's lock, with each major's examples recorded before that today's
 * schema still accepts kept ahead of today's — an example taken out of a contract stays a
 * promise; one refused (recorded with --allow-breaking) goes.
 */
export function lockToRecord(
  recorded: ContractsLock,
  contracts: readonly EventContract[],
): ContractsLock {
  const lock = lockOf(contracts);
  for (const contract of contracts) {
    const key = `v${contract.version}`;
    const kept = recordedExamples(recorded, contract.type, key).filter(
      (example) => contract.schema.safeParse(example).success,
    );
    const examples = lock.examples?.[contract.type];
    if (!examples) continue;
    const today = examples[key] ?? [];
    examples[key] = [...kept, ...today.filter((e) => !kept.some((k) => json(k) === json(e)))];
  }
  return lock;
}

export interface Break {
  sentence: string;
  /** The break without its way out, as `--update --allow-…` lists it once recorded. */
  summary: string;
  /** A whole type or major is no longer registered (`--allow-removal` records it). */
  removal: boolean;
}

export interface Verdict {
  /** What a producer or consumer of a recorded major could not survive. */
  breaks: Break[];
  /**
   * Widenings `--update` would record: safe once every consumer of the major validates with
   * today's schema (consumers refuse what their schema does not accept), so consumers deploy first.
   */
  widenings: string[];
  /** Changes `--update` would record that need no order of deployment. */
  unrecorded: string[];
}

const majors = (versions: Record<string, unknown> | undefined) =>
  Object.keys(versions ?? {})
    .map((key) => Number(key.slice(1)))
    .sort((a, b) => a - b);

/** Today's contracts against the recorded lock. */
export function compareWithLock(
  recorded: ContractsLock,
  contracts: readonly EventContract[],
): Verdict {
  const current = lockOf(contracts);
  const verdict: Verdict = { breaks: [], widenings: [], unrecorded: [] };
  const types = [
    ...new Set([...Object.keys(recorded.contracts), ...Object.keys(current.contracts)]),
  ];
  for (const type of types.sort()) {
    const before = recorded.contracts[type];
    const after = current.contracts[type];
    const recordedMajors = majors(before);
    const currentMajors = majors(after);
    for (const version of [...new Set([...recordedMajors, ...currentMajors])].sort(
      (a, b) => a - b,
    )) {
      const key = `v${version}`;
      const old = before?.[key];
      const now = after?.[key];
      const subject = `${type} v${version}`;
      if (old === undefined) {
        verdict.unrecorded.push(
          `${subject}: ${recordedMajors.length ? 'a new major version' : 'a new event type'}`,
        );
        continue;
      }
      if (now === undefined) {
        verdict.breaks.push({
          removal: true,
          summary: `${subject}: removal recorded`,
          sentence: `${subject} is recorded but no longer registered, and its producers and consumers may still use it — register it again, or once nobody publishes or consumes it, record its removal with npm run contracts:check -- --update --allow-removal.`,
        });
        continue;
      }
      const wayOut = wayOutOf(type, version, recordedMajors, currentMajors);
      const broken = (what: string): Break => ({
        removal: false,
        summary: `${subject}: ${what}`,
        sentence: `${subject}: ${what} — ${wayOut}.`,
      });
      const changes = compareSchemas(old, now);
      for (const { effect, field, change } of changes) {
        if (effect === 'breaks') verdict.breaks.push(broken(`${field} ${change}`));
        else if (effect === 'widens')
          verdict.widenings.push(
            `${subject}: ${field} ${change} — compatible once every consumer of ${subject} runs the new schema: deploy consumers first`,
          );
        else verdict.unrecorded.push(`${subject}: ${field} ${change}`);
      }
      const contract = contracts.find((c) => c.type === type && c.version === version);
      const examples = recordedExamples(recorded, type, key);
      // What the JSON Schema shows broken is said once, there; the examples catch the rest.
      if (contract && !changes.some((c) => c.effect === 'breaks')) {
        for (const example of examples) {
          const result = contract.schema.safeParse(example);
          if (!result.success)
            verdict.breaks.push(
              broken(
                `the recorded example ${json(example)} is refused by today's schema (${describeIssues(result.error, 'data')})`,
              ),
            );
        }
      }
      const today = current.examples?.[type]?.[key] ?? [];
      for (const example of today.filter((e) => !examples.some((r) => json(r) === json(e))))
        verdict.unrecorded.push(`${subject}: a new example ${json(example)}`);
    }
  }
  return verdict;
}

/** Keep the broken major as recorded; change a newer one nobody has recorded yet, or add one. */
function wayOutOf(type: string, version: number, recorded: number[], current: number[]): string {
  const unrecordedNewer = current.find((v) => v > version && !recorded.includes(v));
  if (unrecordedNewer !== undefined)
    return `keep v${version} as recorded and make the change in v${unrecordedNewer}, which is not recorded yet`;
  const next = Math.max(...current) + 1;
  return `keep v${version} as recorded and make the change in a new major: npm run new:event -- ${type} --version ${next}`;
}

/** The lock under `root`, or undefined when there is none. */
export function readLock(root: string): ContractsLock | undefined {
  const file = path.join(root, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  let lock: unknown;
  try {
    lock = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${LOCK_FILE} is not valid JSON (${(error as Error).message}).`);
  }
  const contracts = (lock as Partial<ContractsLock> | null)?.contracts;
  if (typeof contracts !== 'object' || contracts === null || Array.isArray(contracts))
    throw new Error(`${LOCK_FILE} has no "contracts" object: is it a contracts lock?`);
  return lock as ContractsLock;
}

/** Write the lock as `npm run lint` wants it (Biome's JSON formatting). */
export function writeLock(root: string, lock: ContractsLock): void {
  writeFileSync(path.join(root, LOCK_FILE), `${JSON.stringify(lock, null, 2)}\n`);
  formatWithBiome(root, [LOCK_FILE]);
}
