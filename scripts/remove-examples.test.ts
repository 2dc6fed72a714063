import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepository } from '../test/support/repo-copy.ts';
import { createService } from './new-service.ts';
import { removeExamples } from './remove-examples.ts';

// The first steps of a fork, in a throw-away copy: remove the example domain, add a service of
// one's own, and the project must still lint, typecheck, pass its unit tier and package.
const fork = copyRepository();
afterAll(() => fork.remove());
// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
let resources: Record<string, any>;

beforeAll(() => {
  removeExamples(fork.dir);
  createService(fork.dir, {
    name: 'invoicing',
    consumes: ['calculation.completed'],
    publishes: [],
  });
  const out = path.join(fork.dir, '.serverless');
  const pack = fork.run('serverless', ['package', '--stage', 'dev', '--package', out]);
  expect(pack.status, pack.stdout + pack.stderr).toBe(0);
  resources = JSON.parse(
    readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  ).Resources;
}, 180_000);

describe('npm run remove:examples, then new:service', () => {
  it('leaves only the mechanism and the new service in the template', () => {
    const functions = Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    );
    expect(functions.map(([id]) => id)).toEqual(['InvoicingWorkerLambdaFunction']);
    for (const gone of ['CalculationsTable', 'CalculatorQueue', 'NotifierWorkerRole', 'HttpApi'])
      expect(resources, gone).not.toHaveProperty(gone);
    for (const kept of ['EventsTopic', 'IdempotencyTable', 'AlertsTopic', 'InvoicingQueue'])
      expect(resources, kept).toHaveProperty(kept);
    const topology = JSON.parse(readFileSync(path.join(fork.dir, 'events/topology.json'), 'utf8'));
    expect(Object.keys(topology.services)).toEqual(['invoicing']);
  });

  it('keeps lint, typecheck and the unit tier green', () => {
    const lint = fork.run('biome', ['check', '.']);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    const typecheck = fork.run('tsc', ['--noEmit']);
    expect(typecheck.status, typecheck.stdout).toBe(0);
    const unit = fork.unitTier();
    expect(unit.status, unit.stdout + unit.stderr).toBe(0);
  }, 300_000);
});
