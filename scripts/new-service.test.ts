import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepository } from '../test/support/repo-copy.ts';
import { createService, GeneratorError } from './new-service.ts';

// The fork path: a generated service must leave the project green and deployable. This runs the
// generator in a throw-away copy of the repository, then that copy's unit tier and packaging.
const fork = copyRepository();
afterAll(() => fork.remove());

const bin = (tool: string) => path.join(fork.dir, 'node_modules', '.bin', tool);
const _run = (tool: string, args: string[]) =>
  spawnSync(bin(tool), args, {
    cwd: fork.dir,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
const snapshot = () =>
  ['serverless.yml', 'events/topology.json'].map((f) =>
    readFileSync(path.join(fork.dir, f), 'utf8'),
  );

describe('npm run new:service', () => {
  it.each([
    ['a bad name', 'Bad_Name', ['calculation.completed'], /not a valid service name/],
    ['an existing service', 'storage', ['calculation.completed'], /exists already/],
    [
      'an unknown event type',
      'billing',
      ['calculation.nope'],
      /Unknown event type "calculation\.nope"/,
    ],
    ['no consumed type', 'billing', [], /--consumes/],
  ])('refuses %s in one sentence and changes nothing', (_, name, consumes, message) => {
    const before = snapshot();
    expect(() => createService(fork.dir, { name, consumes, publishes: [] })).toThrow(
      GeneratorError,
    );
    expect(() => createService(fork.dir, { name, consumes, publishes: [] })).toThrow(message);
    expect(snapshot()).toEqual(before);
  });

  describe('a generated consumer', () => {
    // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
    let resources: Record<string, any>;
    let written: string[];
    beforeAll(() => {
      written = createService(fork.dir, {
        name: 'invoicing',
        consumes: ['calculation.completed'],
        publishes: ['notification.sent'],
      });
      resources = fork.packagedResources();
    }, 180_000);

    it('writes its folder, its topology entry and one serverless.yml entry of four lines', () => {
      expect(written).toEqual([
        'services/invoicing/worker.ts',
        'services/invoicing/handle.ts',
        'services/invoicing/handle.test.ts',
        'events/topology.json',
        'serverless.yml',
      ]);
      const diff = spawnSync(
        'git',
        [
          'diff',
          '--no-index',
          '--numstat',
          '--',
          path.join(process.cwd(), 'serverless.yml'),
          path.join(fork.dir, 'serverless.yml'),
        ],
        { encoding: 'utf8' },
      );
      expect(diff.stdout.trim().split(/\s+/).slice(0, 2)).toEqual(['4', '0']);
    });

    it('keeps lint, typecheck and the unit tier green', () => {
      const checks = fork.checks();
      for (const [check, result] of Object.entries(checks))
        expect(result.status, `${check}: ${result.stdout}${result.stderr}`).toBe(0);
      expect(checks.unit.stdout).toMatch(/services\/invoicing\/handle\.test\.ts/);
    }, 300_000);

    it('gets its queue, DLQ, filtered subscription, alarm and own least-privilege role', () => {
      expect(resources.InvoicingQueue.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({
        'Fn::GetAtt': ['InvoicingDeadLetterQueue', 'Arn'],
      });
      const subscription = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::SNS::Subscription' &&
          r.Properties.Endpoint['Fn::GetAtt']?.[0] === 'InvoicingQueue',
      );
      expect(subscription.Properties).toMatchObject({
        RawMessageDelivery: true,
        FilterPolicy: { type: ['calculation.completed'] },
      });
      expect(resources.InvoicingDeadLetterAlarm.Type).toBe('AWS::CloudWatch::Alarm');
      expect(resources.InvoicingWorkerLambdaFunction.Properties.Role).toEqual({
        'Fn::GetAtt': ['InvoicingWorkerRole', 'Arn'],
      });
      const statements =
        resources.InvoicingWorkerRole.Properties.Policies[0].PolicyDocument.Statement;
      const actions = statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
      expect(actions).toContain('sns:Publish');
      expect(actions).not.toContain('ssm:GetParameter'); // the notifier's secrets are not its business
      expect(JSON.stringify(statements)).not.toContain('CalculationsTable'); // nor storage's table
    });
  });
});
