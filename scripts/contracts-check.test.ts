import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { currentContract, type EventType } from '../events/registry.ts';
import { probeEventType, registeredType } from '../test/support/probe-names.ts';
import { copyRepository } from '../test/support/repo-copy.ts';
import { type ContractsLock, LOCK_FILE } from './contracts/contracts-lock.ts';

// `npm run contracts:check` in a throw-away copy, as CI runs it. The contracts stay as they are;
// the lock is edited instead (a field it recorded, a major it recorded, a type it lacks), with
// types from the fork's own registry, so this passes in any fork.
const fork = copyRepository();
afterAll(() => fork.remove());
const lockPath = path.join(fork.dir, LOCK_FILE);
const check = (...args: string[]) => fork.run('tsx', ['scripts/contracts-check.ts', ...args]);
let recorded: string;
beforeAll(() => {
  // What a fork has not recorded yet (a type new:event just added) is recorded first.
  const update = check('--update');
  if (update.status !== 0) throw new Error(`contracts:check --update failed:\n${update.stderr}`);
  recorded = readFileSync(lockPath, 'utf8');
});
afterEach(() => writeFileSync(lockPath, recorded));
const editLock = (edit: (lock: ContractsLock) => void) => {
  const lock = JSON.parse(recorded) as ContractsLock;
  edit(lock);
  writeFileSync(lockPath, JSON.stringify(lock));
  return readFileSync(lockPath, 'utf8');
};

const type = registeredType();
const { version } = currentContract(type as EventType);

describe('npm run contracts:check', () => {
  it("passes on a lock of today's contracts", () => {
    const result = check();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/nothing a producer or consumer could not survive/);
  });

  it('refuses a recorded field that is gone, in one sentence with the way out, and records nothing', () => {
    const edited = editLock((lock) => {
      const schema = lock.contracts[type]?.[`v${version}`] as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      schema.properties = { ...schema.properties, zzProbe: { type: 'string' } };
      schema.required = [...(schema.required ?? []), 'zzProbe'];
    });
    const result = check();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `${type} v${version}: data.zzProbe was removed (or renamed) — keep v${version} as recorded and make the change in a new major: npm run new:event -- ${type} --version ${version + 1}.`,
    );
    expect(check('--update').status).toBe(1);
    expect(readFileSync(lockPath, 'utf8')).toBe(edited);
  });

  it('refuses a recorded major no longer registered until --update --allow-removal', () => {
    const gone = probeEventType();
    editLock((lock) => {
      lock.contracts[gone] = { v1: { type: 'object' } };
    });
    const result = check();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${gone} v1 is recorded but no longer registered`);
    expect(check('--update').status).toBe(1);
    const removal = check('--update', '--allow-removal');
    expect(removal.status, removal.stderr).toBe(0);
    expect(removal.stderr).toBe('');
    expect(removal.stdout).toContain(`${gone} v1: removal recorded`);
    expect(readFileSync(lockPath, 'utf8')).toBe(recorded);
  });

  it('refuses --allow-removal with --allow-breaking', () => {
    const result = check('--update', '--allow-removal', '--allow-breaking');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/exclude each other/);
  });

  it("refuses a recorded example that today's schema no longer accepts, naming zod's issue", () => {
    editLock((lock) => {
      lock.examples = { ...lock.examples, [type]: { [`v${version}`]: ['zzProbe'] } };
    });
    const result = check();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `${type.replaceAll('.', '\\.')} v${version}: the recorded example "zzProbe" is refused by today's schema \\(data: .+\\) — keep v${version} as recorded`,
      ),
    );
  });

  it('passes a type the lock lacks, lists it, and --update records it as Biome formats it', () => {
    editLock((lock) => {
      delete lock.contracts[type];
    });
    const result = check();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${type} v${version}: a new event type`);
    const update = check('--update');
    expect(update.status, update.stderr).toBe(0);
    expect(readFileSync(lockPath, 'utf8')).toBe(recorded);
  });
});
