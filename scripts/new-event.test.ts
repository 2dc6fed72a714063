import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentContract, type EventType } from '../events/registry.ts';
import { probeEventType, registeredType } from '../test/support/probe-names.ts';
import { copyRepository } from '../test/support/repo-copy.ts';
import { contractNames } from './new-event.ts';
import { GeneratorError, regenerateDocuments } from './new-service.ts';

// `npm run new:event` in a throw-away copy of the repository, each call a fresh process as a
// user would run it, with a type no fork uses and an existing one from the registry, so this
// passes in any fork. That the result lints, typechecks and passes is `npm run test:fork`'s job.
const fork = copyRepository();
afterAll(() => fork.remove());
const newEvent = (...args: string[]) => fork.run('tsx', ['scripts/new-event.ts', ...args]);
const read = (file: string) => readFileSync(path.join(fork.dir, file), 'utf8');
const snapshot = () => ['events/registry.ts', 'events/index.ts', 'events/asyncapi.yaml'].map(read);

const existing = registeredType();
const { version } = currentContract(existing as EventType);
const fresh = probeEventType();

describe('npm run new:event', () => {
  it.each([
    ['a bad type', ['Zz_Probe_Created'], /not a valid event type/],
    [
      'an existing type without --version',
      [existing],
      new RegExp(`exists already \\(v${version}\\)`),
    ],
    [
      'a version that skips one',
      [existing, '--version', String(version + 2)],
      new RegExp(`next major version is ${version + 1}, not ${version + 2}`),
    ],
    ['a new type that does not start at 1', [fresh, '--version', '2'], /starts at version 1/],
  ])('refuses %s in one sentence and changes nothing', (_, args, message) => {
    const before = snapshot();
    const result = newEvent(...args);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot()).toEqual(before);
  });

  it('adds a new type and a new major of an existing one, keeping the old one registered', () => {
    const created = newEvent(fresh);
    expect(created.status, created.stderr).toBe(0);
    const major = newEvent(existing, '--version', String(version + 1));
    expect(major.status, major.stderr).toBe(0);

    const registry = read('events/registry.ts');
    for (const constant of [
      contractNames(fresh, 1),
      contractNames(existing, version),
      contractNames(existing, version + 1),
    ].map((n) => n.constant))
      expect(registry).toContain(`  ${constant},`);
    const asyncApi = read('events/asyncapi.yaml');
    for (const line of [`${fresh} v1`, `${existing} v${version}`, `${existing} v${version + 1}`])
      expect(asyncApi).toContain(line);
  }, 60_000); // two generator runs in child processes; slow on a loaded machine

  it('works mid-route: an httpApi route not yet declared fails only `npm run openapi`, in its own words', () => {
    const serverless = read('serverless.yml');
    // A fork may have `functions:` with entries, `functions: {}` (after remove:examples) or none.
    const probe =
      "functions:\n  zzProbeApi:\n    handler: services/zz-probe/api.handler\n    events:\n      - httpApi: 'GET /zz-probe'\n";
    writeFileSync(
      path.join(fork.dir, 'serverless.yml'),
      /^functions:/m.test(serverless)
        ? serverless.replace(/^functions:(?: *\{\})? *\n/m, probe)
        : `${serverless.trimEnd()}\n\n${probe}`,
    );
    try {
      const created = newEvent(probeEventType());
      expect(created.status, created.stderr).toBe(0);
      expect(() => regenerateDocuments(fork.dir, ['openapi'])).toThrow(GeneratorError);
      expect(() => regenerateDocuments(fork.dir, ['openapi'])).toThrow(
        /npm run openapi` failed[\s\S]*zzProbeApi serves GET \/zz-probe, but services\/zz-probe\/routes\.ts does not exist/,
      );
    } finally {
      writeFileSync(path.join(fork.dir, 'serverless.yml'), serverless);
    }
  }, 60_000);
});
