import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  probeEventType,
  probeServiceName,
  registeredType,
  topologyServices,
} from '../test/support/probe-names.ts';
import { copyRepository } from '../test/support/repo-copy.ts';
import { createService, GeneratorError } from './new-service.ts';
import { cloudFormationTags as customTags } from './serverless/cloudformation-yaml.ts';

// The generator in a throw-away copy of the repository, with names no fork uses and a type from
// the registry, so this passes in any fork. That the result lints, typechecks, passes its tests
// and deploys is `npm run test:fork`'s job (the whole recipe, then the copy's npm test, whose
// serverless.test.ts checks every consumer's queue, DLQ, subscription, alarms and role).
const fork = copyRepository();
afterAll(() => fork.remove());

const snapshot = () =>
  ['serverless.yml', 'events/topology.json'].map((f) =>
    readFileSync(path.join(fork.dir, f), 'utf8'),
  );
const type = registeredType();

describe('npm run new:service', () => {
  // An existing service: the topology's first, or one made first in a fork that has none.
  const existing = (): string => {
    const [first] = topologyServices();
    if (first) return first;
    const name = probeServiceName();
    createService(fork.dir, { name, consumes: [type], publishes: [] });
    return name;
  };

  it.each([
    ['a bad name', (): string => 'Bad_Name', [type], /not a valid service name/],
    ['an existing service', existing, [type], /exists already/],
    [
      'an unknown event type',
      probeServiceName,
      ['zzprobe.nope'],
      /Unknown event type "zzprobe\.nope"/,
    ],
    ['no consumed type', probeServiceName, [], /--consumes/],
  ] as const)('refuses %s in one sentence and changes nothing', (_, name, consumes, message) => {
    const service = { name: name() as string, consumes: [...consumes], publishes: [] };
    const before = snapshot();
    expect(() => createService(fork.dir, service)).toThrow(GeneratorError);
    expect(() => createService(fork.dir, service)).toThrow(message);
    expect(snapshot()).toEqual(before);
  });

  it('refuses a published type that is not registered', () => {
    const service = { name: probeServiceName(), consumes: [type], publishes: [probeEventType()] };
    expect(() => createService(fork.dir, service)).toThrow(/Unknown event type/);
  });

  describe('a generated consumer', () => {
    const name = probeServiceName();
    let before: string;
    let written: string[];
    beforeAll(() => {
      before = readFileSync(path.join(fork.dir, 'serverless.yml'), 'utf8');
      written = createService(fork.dir, { name, consumes: [type], publishes: [type] });
    }, 60_000);

    it('writes its folder, its topology entry and one serverless.yml entry of five lines', () => {
      expect(written).toEqual([
        `services/${name}/worker.ts`,
        `services/${name}/handle.ts`,
        `services/${name}/handle.test.ts`,
        'events/topology.json',
        'serverless.yml',
      ]);
      const after = readFileSync(path.join(fork.dir, 'serverless.yml'), 'utf8').split('\n');
      const entry = after.indexOf(`    ${name}:`);
      expect(entry).toBeGreaterThan(0);
      after.splice(entry, 5); // its five lines taken out again, nothing else changed
      expect(after.join('\n')).toBe(before);
      const topology = JSON.parse(
        readFileSync(path.join(fork.dir, 'events/topology.json'), 'utf8'),
      );
      expect(topology.services[name]).toEqual({ publishes: [type], consumes: [type] });
    });
  });

  it.each([
    ['--http without --table', { http: true }, /add --table/],
    ['--table without --http', { table: true }, /--table goes with --http/],
  ] as const)('refuses %s in one sentence and changes nothing', (_, flags, message) => {
    const before = snapshot();
    const service = { name: probeServiceName(), consumes: [], publishes: [], ...flags };
    expect(() => createService(fork.dir, service)).toThrow(message);
    expect(snapshot()).toEqual(before);
  });

  describe('a generated HTTP service with its table', () => {
    const name = probeServiceName();
    let written: string[];
    beforeAll(() => {
      written = createService(fork.dir, {
        name,
        consumes: [],
        publishes: [],
        http: true,
        table: true,
      });
    }, 60_000);

    it('writes its routes, handler, tests, table, function and role, and the OpenAPI document follows', () => {
      expect(written).toEqual([
        `services/${name}/routes.ts`,
        `services/${name}/api.ts`,
        `services/${name}/api.test.ts`,
        `test/e2e/${name}-api.test.ts`,
        'events/topology.json',
        'serverless.yml',
      ]);
      const yaml = parse(readFileSync(path.join(fork.dir, 'serverless.yml'), 'utf8'), {
        customTags,
      });
      const Name = `${name[0]?.toUpperCase()}${name.slice(1).replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase())}`;
      const camelName = `${Name[0]?.toLowerCase()}${Name.slice(1)}`;
      expect(yaml.custom.tables[name]).toMatchObject({ partitionKey: 'id' });
      expect(yaml.custom.tables[name].outbox).toBeUndefined(); // it publishes nothing
      expect(yaml.functions[`${camelName}Api`].events).toEqual([
        { httpApi: { method: 'POST', path: `/${name}` } },
        { httpApi: { method: 'GET', path: `/${name}/{id}` } },
      ]);
      expect(yaml.resources.Resources[`${Name}ApiRole`].Type).toBe('AWS::IAM::Role');
      const openapi = readFileSync(path.join(fork.dir, 'openapi.yaml'), 'utf8');
      expect(openapi).toContain(`/${name}/{id}:`);
    });
  });
});
