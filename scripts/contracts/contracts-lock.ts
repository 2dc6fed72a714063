// events/contracts.lock.json: the JSON Schema of every event type and major as last recorded, and
// the verdict of today's registry against it — one sentence per break, with its way out.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EventContract } from '../../events/contract.ts';
import { dataSchema } from '../generate-events.ts';
import { formatWithBiome } from '../new-service.ts';
import { compareSchemas, type JsonSchema } from './schema-changes.ts';

export const LOCK_FILE = 'events/contracts.lock.json';

export interface ContractsLock {
  about: string;
  /** type → `v<major>` → the JSON Schema of its `data`. */
  contracts: Record<string, Record<string, JsonSchema>>;
}

const ABOUT =
  'The data schema of every event type and major as last recorded by `npm run contracts:check -- --update`. contracts:check fails on a change a producer or consumer of a recorded major could not survive (docs/events.md).';

/** The lock today's contracts would make: types in alphabetical order, majors in number order. */
export function lockOf(contracts: readonly EventContract[]): ContractsLock {
  const sorted = [...contracts].sort(
    (a, b) => a.type.localeCompare(b.type) || a.version - b.version,
  );
  const lock: ContractsLock = { about: ABOUT, contracts: {} };
  for (const contract of sorted) {
    lock.contracts[contract.type] ??= {};
    (lock.contracts[contract.type] as Record<string, JsonSchema>)[`v${contract.version}`] =
      dataSchema(contract) as JsonSchema;
  }
  return lock;
}

export interface Break {
  sentence: string;
  /** A whole type or major is no longer registered (`--allow-removal` records it). */
  removal: boolean;
}

export interface Verdict {
  /** What a producer or consumer of a recorded major could not survive. */
  breaks: Break[];
  /** Compatible changes `--update` would record. */
  unrecorded: string[];
}

const majors = (versions: Record<string, unknown> | undefined) =>
  Object.keys(versions ?? {})
    .map((key) => Number(key.slice(1)))
    .sort((a, b) => a - b);

/** Today's contracts (`current`, from lockOf) against the recorded lock. */
export function compareWithLock(recorded: ContractsLock, current: ContractsLock): Verdict {
  const verdict: Verdict = { breaks: [], unrecorded: [] };
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
      if (old === undefined) {
        verdict.unrecorded.push(
          `${type} v${version}: ${recordedMajors.length ? 'a new major version' : 'a new event type'}`,
        );
      } else if (now === undefined) {
        verdict.breaks.push({
          removal: true,
          sentence: `${type} v${version} is recorded but no longer registered, and its producers and consumers may still use it — register it again, or once nobody publishes or consumes it, record its removal with npm run contracts:check -- --update --allow-removal.`,
        });
      } else {
        const wayOut = wayOutOf(type, version, recordedMajors, currentMajors);
        for (const change of compareSchemas(old, now)) {
          if (change.breaking)
            verdict.breaks.push({
              removal: false,
              sentence: `${type} v${version}: ${change.field} ${change.change} — ${wayOut}.`,
            });
          else verdict.unrecorded.push(`${type} v${version}: ${change.field} ${change.change}`);
        }
      }
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
