import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepository } from '../test/support/repo-copy.ts';
import { EXAMPLE_SERVICES, removeExamples } from './remove-examples.ts';

// The first step of many forks, in a throw-away copy: remove the example domain. This test is
// itself example-only (remove:examples deletes it); the rest of the recipe — services of one's
// own, then lint, typecheck and the whole npm test — is `npm run test:fork`.
const fork = copyRepository();
afterAll(() => fork.remove());
const read = (file: string) => readFileSync(path.join(fork.dir, file), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
let resources: Record<string, any>;
let changed: string[];

beforeAll(() => {
  changed = removeExamples(fork.dir);
  resources = fork.packagedResources(); // a stack of no functions still packages
}, 120_000);

describe('npm run remove:examples', () => {
  it('leaves only the mechanism in the template', () => {
    // No function of the example is left; a fork's own (a consumer of an example event) may be.
    const exampleHandlers = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        EXAMPLE_SERVICES.some((name) =>
          String(r.Properties?.Handler).startsWith(`services/${name}/`),
        ),
    );
    expect(exampleHandlers).toEqual([]);
    for (const gone of ['CalculationsTable', 'CalculatorQueue', 'NotifierWorkerRole', 'HttpApi'])
      expect(resources, gone).not.toHaveProperty(gone);
    for (const kept of ['EventsTopic', 'IdempotencyTable', 'AlertsTopic'])
      expect(resources, kept).toHaveProperty(kept);
    const services = Object.keys(JSON.parse(read('events/topology.json')).services);
    expect(services.filter((name) => EXAMPLE_SERVICES.includes(name))).toEqual([]);
    for (const name of EXAMPLE_SERVICES)
      expect(existsSync(path.join(fork.dir, 'services', name))).toBe(false);
  });

  it('takes the example out of the docs and the scripts, and leaves its files formatted', () => {
    expect(read('README.md')).not.toMatch(/<!-- example:(start|end) -->/);
    const scripts = JSON.parse(read('package.json')).scripts;
    expect(scripts).not.toHaveProperty('demo');
    expect(scripts).toHaveProperty('bench'); // its per-function figures work for any fork
    const lint = fork.run('biome', [
      'check',
      ...changed.filter((f) => existsSync(path.join(fork.dir, f))),
    ]);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
  });

  it('keeps every recorded event contract: npm run contracts:check passes without --update', () => {
    const check = fork.run('tsx', ['scripts/contracts-check.ts']);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('changes nothing when run again', () => {
    expect(removeExamples(fork.dir)).toEqual([]);
  });
});
