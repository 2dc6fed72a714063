#!/usr/bin/env tsx
// `npm run invoke`: one function's real handler, run in this process from its TypeScript source
// (breakpoints and stack traces in the sources), against a deployed stage's real resources: its
// environment is read from the deployed function. `--inspect` starts it waiting for a debugger
// (.vscode/launch.json attaches to it).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, runMain, UsageError } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run invoke -- <function> [--stage <stage>] [--event <file> | --type <event type>] [--inspect [--port <n>]]
Runs a deployed function's handler in this process, from its TypeScript source, with the
environment the function has on the stage (read from it), against the stage's resources, and
prints what it returned. On an emulator stage (local, chaos, bench, bare) it calls the emulator.
  <function>        its name in serverless.yml, e.g. storageWorker
  --stage <stage>   default local
  --event <file>    the event, as JSON (e.g. one of events/examples/)
  --type <type>     a queue consumer's event: an SQS batch of one CloudEvent built from the type's
                    contract example, with a new id (so idempotency does not skip it)
  --inspect         wait for a debugger before running (VS Code: "Attach to npm run invoke")
  --port <n>        the debugger's port, default 9229
  --help            this text`,
  options: {
    stage: { type: 'string', default: 'local' },
    event: { type: 'string' },
    type: { type: 'string' },
    inspect: { type: 'boolean' },
    port: { type: 'string', default: '9229' },
  },
  allowPositionals: true,
} as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values, positionals } = parseCli(cli);
  const [fn, ...extra] = positionals;
  if (!fn || extra.length) throw new UsageError('Name one function, e.g. storageWorker.');
  if (values.event && values.type) throw new UsageError('Give --event or --type, not both.');
  if (!values.event && !values.type)
    throw new UsageError('Give the event: --event <file> or --type <event type>.');
  if (!/^\d+$/.test(values.port)) throw new UsageError(`--port ${values.port}: a port number.`);

  if (values.inspect) {
    // The same command in a child Node that waits for a debugger: tsx maps the TypeScript.
    const args = process.argv.slice(2).filter((a) => a !== '--inspect');
    const child = spawn(
      process.execPath,
      [
        `--inspect-wait=127.0.0.1:${values.port}`,
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        ...args,
      ],
      { stdio: 'inherit', cwd: root },
    );
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  }

  const { invokeDeployed } = await import('./invoke/run.ts');
  const event = values.event
    ? JSON.parse(readFileSync(path.resolve(values.event), 'utf8'))
    : undefined;
  const result = await invokeDeployed({ fn, stage: values.stage, event, type: values.type });
  // On one line, the last one: the handler's own log lines come before it on stdout.
  console.log(JSON.stringify(result ?? null));
  return 0;
}

runMain(cli, main);
