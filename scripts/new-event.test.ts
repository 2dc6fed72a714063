import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyRepository } from '../test/support/repo-copy.ts';

// `npm run new:event` in a throw-away copy of the repository, each call a fresh process as a
// user would run it; then the copy's lint, typecheck and unit tier.
const fork = copyRepository();
afterAll(() => fork.remove());
const newEvent = (...args: string[]) => fork.run('tsx', ['scripts/new-event.ts', ...args]);
const read = (file: string) => readFileSync(path.join(fork.dir, file), 'utf8');
const snapshot = () => ['events/registry.ts', 'events/index.ts', 'events/asyncapi.yaml'].map(read);

describe('npm run new:event', () => {
  it.each([
    ['a bad type', ['Invoice_Created'], /not a valid event type/],
    ['an existing type without --version', ['calculation.completed'], /exists already \(v1\)/],
    [
      'a version that skips one',
      ['calculation.completed', '--version', '3'],
      /next major version is 2, not 3/,
    ],
    [
      'a new type that does not start at 1',
      ['invoice.created', '--version', '2'],
      /starts at version 1/,
    ],
  ])('refuses %s in one sentence and changes nothing', (_, args, message) => {
    const before = snapshot();
    const result = newEvent(...args);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot()).toEqual(before);
  });

  it('adds a new type and a new major of an existing one, keeping the old one registered', () => {
    const created = newEvent('invoice.created');
    expect(created.status, created.stderr).toBe(0);
    const major = newEvent('calculation.completed', '--version', '2');
    expect(major.status, major.stderr).toBe(0);

    expect(read('events/invoice-created.ts')).toMatch(/type: 'invoice\.created',\s+version: 1,/);
    expect(read('events/calculation-completed-v2.ts')).toMatch(/version: 2,/);
    const registry = read('events/registry.ts');
    for (const name of ['invoiceCreated,', 'calculationCompleted,', 'calculationCompletedV2,'])
      expect(registry).toContain(`  ${name}`);
    const asyncApi = read('events/asyncapi.yaml');
    expect(asyncApi).toContain('invoice.created v1');
    expect(asyncApi).toContain('calculation.completed v1');
    expect(asyncApi).toContain('calculation.completed v2');
  }, 60_000); // two generator runs in child processes; slow on a loaded machine

  it('leaves lint, typecheck and the unit tier green', () => {
    for (const [check, result] of Object.entries(fork.checks()))
      expect(result.status, `${check}: ${result.stdout}${result.stderr}`).toBe(0);
  }, 300_000);
});
