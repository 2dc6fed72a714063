#!/usr/bin/env tsx
// `npm run test:fork -- [--seed n] [--order examples-first|examples-last] [--keep]`: the README's
// fork recipe, performed as a new user would in a throw-away copy of this checkout — rename the
// service, `npm run new:event`, `npm run new:service` three times (one publishing the new type,
// one consuming it, an HTTP service with its table publishing it through its outbox), `npm run remove:examples -- --yes` before or after adding services — with names
// drawn at random (the README's own example names among them) — in a fork made from an older
// state of the template, updated to the current one by `npm run template:update` after the
// recipe and an edit of its own to a template file — then `npm run lint`,
// `npm run typecheck`, `npm run contracts:check`, the whole `npm test` in the copy, which
// deploys its services into the emulator, and `npm run test:tools` (the dev loop's proof). Every step is printed with its time; the seed
// reproduces a run.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { eventTypes } from '../events/registry.ts';
import { topology } from '../events/topology.ts';
import { copyRepository } from '../test/support/repo-copy.ts';
import { parseCli, runMain, UsageError, wholeNumber } from './lib/cli.ts';
import { EXAMPLE_SERVICES } from './remove-examples.ts';
import { checkUpdated, customize, templateHistory } from './template/fork-proof.ts';

const cli = {
  usage: `usage: npm run test:fork -- [--seed n] [--order examples-first|examples-last] [--keep]
Performs the README's fork recipe in a temporary copy with random names, then lint, typecheck,
contracts:check, npm test and test:tools there (~5 min; uses the emulator on 127.0.0.1:4566).
  --seed n     draw the same names and order again (printed by every run)
  --order o    remove the examples before adding services (examples-first) or after (examples-last)
  --keep       leave the copy on disk (its path is printed)`,
  options: {
    seed: { type: 'string' },
    order: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
} as const;

const ORDERS = ['examples-first', 'examples-last'] as const;
// Names a team would pick — the README's examples among them — or letters drawn at random.
const SERVICE_WORDS = ['invoicing', 'billing', 'shipping', 'audit', 'orders', 'payments', 'ledger'];
const TYPE_WORDS = ['invoice.created', 'order.placed', 'payment.captured', 'shipment.sent'];

interface Plan {
  seed: number;
  order: (typeof ORDERS)[number];
  stackName: string;
  newType: string;
  publisher: string;
  consumer: string;
  /** An HTTP service with its table, publishing the new type through its outbox. */
  http: string;
  consumedType: string;
}

function draw(seed: number, order?: Plan['order']): Plan {
  const taken = new Set([...Object.keys(topology.services), ...EXAMPLE_SERVICES]);
  const word = fc.stringMatching(/^[a-z][a-z0-9]{2,7}$/);
  const serviceName = fc.oneof(fc.constantFrom(...SERVICE_WORDS), word);
  const plan = fc.record({
    order: fc.constantFrom(...ORDERS),
    stackName: word.map((w) => `${w}-fork`),
    newType: fc.oneof(
      fc.constantFrom(...TYPE_WORDS),
      fc.tuple(word, word).map(([a, b]) => `${a}.${b}`),
    ),
    services: fc.uniqueArray(serviceName, { minLength: 3, maxLength: 3 }),
  });
  const [drawn] = fc.sample(
    plan.filter(
      (p) =>
        p.services.every((s) => !taken.has(s)) && !(eventTypes() as string[]).includes(p.newType),
    ),
    { seed, numRuns: 1 },
  );
  if (!drawn) throw new Error(`seed ${seed} drew nothing`);
  const [publisher = '', consumer = '', http = ''] = drawn.services;
  // The type the publishing service consumes: one the template registers and keeps after
  // remove:examples (its contracts stay).
  const [consumedType = ''] = eventTypes();
  return {
    seed,
    order: order ?? drawn.order,
    stackName: drawn.stackName,
    newType: drawn.newType,
    publisher,
    consumer,
    http,
    consumedType,
  };
}

async function main(): Promise<number> {
  const { values } = parseCli(cli);
  if (values.order !== undefined && !(ORDERS as readonly string[]).includes(values.order))
    throw new UsageError(`--order must be ${ORDERS.join(' or ')}, not "${values.order}".`);
  const seed = wholeNumber('seed', values.seed, 0) ?? Date.now() % 2 ** 31;
  const plan = draw(seed, values.order as Plan['order'] | undefined);
  const fork = copyRepository();
  const bin = path.join(fork.dir, 'node_modules', '.bin');
  // A fork is a git repository: Biome reads its .gitignore, the copying tests its file list.
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=fork', '-c', 'user.email=fork@example.invalid', ...args],
      {
        cwd: fork.dir,
        stdio: 'ignore',
      },
    );
  git('init', '-q');
  // The shared installs are symlinks here, which .gitignore's `node_modules/` does not match.
  writeFileSync(path.join(fork.dir, '.git', 'info', 'exclude'), 'node_modules\n.tools\n');
  // The fork is made from an older state of the template, and updated to the current one last.
  const history = templateHistory(fork.dir);
  console.log(
    `[fork] seed ${plan.seed}: service "${plan.stackName}", event ${plan.newType}, services ${plan.publisher} (consumes ${plan.consumedType}, publishes ${plan.newType}), ${plan.consumer} (consumes ${plan.newType}) and ${plan.http} (HTTP with a table, publishes ${plan.newType}), ${plan.order}; in ${fork.dir}`,
  );

  const results: Array<{ step: string; ok: boolean; seconds: number }> = [];
  const step = (name: string, command: string[], quiet = true) => {
    const started = Date.now();
    console.log(`[fork] ${name} …`);
    const result = spawnSync(command[0] as string, command.slice(1), {
      cwd: fork.dir,
      encoding: 'utf8',
      stdio: quiet ? 'pipe' : 'inherit',
      env: { ...process.env, CI: 'true', PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    });
    const ok = result.status === 0;
    const seconds = (Date.now() - started) / 1000;
    results.push({ step: name, ok, seconds });
    console.log(`[fork] ${ok ? 'ok  ' : 'FAIL'} ${name} (${seconds.toFixed(1)} s)`);
    if (!ok && quiet) console.log(`${result.stdout}${result.stderr}`);
    return ok;
  };
  const npmRun = (script: string, ...args: string[]) => [
    'npm',
    'run',
    '--silent',
    script,
    ...(args.length ? ['--', ...args] : []),
  ];

  const recipe: Array<[string, () => boolean]> = [
    [
      `rename the service to ${plan.stackName}`,
      () => {
        for (const [file, pattern, replacement] of [
          ['serverless.yml', /^service: .*$/m, `service: ${plan.stackName}`],
          ['package.json', /^ {2}"name": ".*",$/m, `  "name": "${plan.stackName}",`],
        ] as const) {
          const full = path.join(fork.dir, file);
          const text = readFileSync(full, 'utf8');
          if (!pattern.test(text)) throw new Error(`${file} has no ${pattern} to rename`);
          writeFileSync(full, text.replace(pattern, replacement));
        }
        results.push({ step: 'rename', ok: true, seconds: 0 });
        return true;
      },
    ],
    [
      'new:event',
      () => step(`npm run new:event -- ${plan.newType}`, npmRun('new:event', plan.newType)),
    ],
  ];
  const addServices: Array<[string, () => boolean]> = [
    [
      'new:service (publisher)',
      () =>
        step(
          `npm run new:service -- ${plan.publisher} --consumes ${plan.consumedType} --publishes ${plan.newType}`,
          npmRun(
            'new:service',
            plan.publisher,
            '--consumes',
            plan.consumedType,
            '--publishes',
            plan.newType,
          ),
        ),
    ],
    [
      'new:service (consumer)',
      () =>
        step(
          `npm run new:service -- ${plan.consumer} --consumes ${plan.newType}`,
          npmRun('new:service', plan.consumer, '--consumes', plan.newType),
        ),
    ],
    [
      'new:service (HTTP, with a table)',
      () =>
        step(
          `npm run new:service -- ${plan.http} --http --table --publishes ${plan.newType}`,
          npmRun('new:service', plan.http, '--http', '--table', '--publishes', plan.newType),
        ),
    ],
  ];
  const removeExamples: [string, () => boolean] = [
    'remove:examples',
    () => step('npm run remove:examples -- --yes', npmRun('remove:examples', '--yes')),
  ];
  recipe.push(
    ...(plan.order === 'examples-first'
      ? [removeExamples, ...addServices]
      : [...addServices, removeExamples]),
  );
  recipe.push(
    [
      'template:update',
      () => {
        customize(fork.dir);
        git('add', '-A');
        git('commit', '-qm', 'our fork');
        const ok = step(
          'npm run template:update -- --from <the template, now>',
          npmRun('template:update', '--from', history.source),
        );
        const problems = ok ? checkUpdated(fork.dir, history) : [];
        for (const problem of problems) console.log(`[fork] template:update: ${problem}`);
        return ok && problems.length === 0;
      },
    ],
    ['lint', () => step('npm run lint', npmRun('lint'))],
    ['typecheck', () => step('npm run typecheck', npmRun('typecheck'))],
    // The fork's own type is new to the lock: compatible, listed, not yet recorded.
    ['contracts:check', () => step('npm run contracts:check', npmRun('contracts:check'))],
    ['npm test', () => step('npm test', ['npm', 'test'], false)],
    ['test:tools', () => step('npm run test:tools', npmRun('test:tools'), false)],
  );

  let failed = false;
  for (const [, run] of recipe) {
    if (!run()) {
      failed = true;
      break;
    }
  }
  console.log(
    `[fork] ${results.map((r) => `${r.step.split(' -- ')[0]} ${r.ok ? 'ok' : 'FAILED'} ${r.seconds.toFixed(0)} s`).join(' · ')}`,
  );
  if (values.keep || failed) console.log(`[fork] the copy stays in ${fork.dir}`);
  else fork.remove();
  history.remove();
  const passed = results.filter((r) => r.ok).length;
  console.log(`[fork] npm run test:fork -- --seed ${plan.seed} --order ${plan.order} repeats it`);
  console.log(`fork: ${passed} passed, ${results.length - passed} failed`);
  return failed ? 1 : 0;
}

runMain(cli, main);
