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
  resources = fork.packagedResources();
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
    for (const [check, result] of Object.entries(fork.checks()))
      expect(result.status, `${check}: ${result.stdout}${result.stderr}`).toBe(0);
  }, 300_000);
});
