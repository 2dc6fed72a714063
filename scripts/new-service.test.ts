import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  probeEventType,
  probeServiceName,
  registeredType,
  topologyServices,
} from '../test/support/probe-names.ts';
import { copyRepository } from '../test/support/repo-copy.ts';
import { createService, GeneratorError } from './new-service.ts';
import { consumerIds } from './serverless/event-consumers.ts';

// The generator in a throw-away copy of the repository, with names no fork uses and a type from
// the registry, so this passes in any fork. That the result lints, typechecks, passes its tests
// and deploys is `npm run test:fork`'s job (the whole recipe, then the copy's npm test).
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
    const ids = consumerIds(name);
    let before: string;
    // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
    let resources: Record<string, any>;
    let written: string[];
    beforeAll(() => {
      before = readFileSync(path.join(fork.dir, 'serverless.yml'), 'utf8');
      written = createService(fork.dir, { name, consumes: [type], publishes: [type] });
      resources = fork.packagedResources();
    }, 120_000);

    it('writes its folder, its topology entry and one serverless.yml entry of four lines', () => {
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
      after.splice(entry, 4); // its four lines taken out again, nothing else changed
      expect(after.join('\n')).toBe(before);
      const topology = JSON.parse(
        readFileSync(path.join(fork.dir, 'events/topology.json'), 'utf8'),
      );
      expect(topology.services[name]).toEqual({ publishes: [type], consumes: [type] });
    });

    it('gets its queue, DLQ, filtered subscription, alarm and own least-privilege role', () => {
      expect(resources[ids.queue].Properties.RedrivePolicy.deadLetterTargetArn).toEqual({
        'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'],
      });
      const subscription = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::SNS::Subscription' &&
          r.Properties.Endpoint['Fn::GetAtt']?.[0] === ids.queue,
      );
      expect(subscription.Properties).toMatchObject({
        RawMessageDelivery: true,
        FilterPolicy: { type: [type] },
      });
      expect(resources[ids.alarm].Type).toBe('AWS::CloudWatch::Alarm');
      expect(
        resources[`${ids.functionName.replace(/^./, (c) => c.toUpperCase())}LambdaFunction`]
          .Properties.Role,
      ).toEqual({
        'Fn::GetAtt': [ids.role, 'Arn'],
      });
      const statements = resources[ids.role].Properties.Policies[0].PolicyDocument.Statement;
      const actions = statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
      expect(actions).toContain('sns:Publish');
      expect(actions).not.toContain('ssm:GetParameter'); // no other service's secrets
      // No other service's resources: every queue it may touch is its own.
      const queues = JSON.stringify(statements).match(/"[A-Za-z0-9]+(?:DeadLetter)?Queue"/g) ?? [];
      for (const queue of queues)
        expect(queue).toMatch(new RegExp(`^"(${ids.queue}|${ids.deadLetterQueue})"$`));
    });
  });
});
