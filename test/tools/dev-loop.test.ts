import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployedFunction } from '../../scripts/dev/bundles.ts';
import {
  answersWith,
  type DevProcess,
  freePort,
  functionsIn,
  probeEdit,
  startDevProcess,
} from '../../scripts/dev/probe.ts';
import { emulatorStatus } from '../../scripts/emulator/emulator.ts';
import { createService } from '../../scripts/new-service.ts';
import { probeServiceName, registeredType } from '../support/probe-names.ts';
import { copyRepository } from '../support/repo-copy.ts';

// `npm run dev` as a developer runs it, in a copy of the checkout on a stage of its own (the
// other e2e tests use `local`, and their webhook port): a saved change to a function's source is
// what that function runs a moment later, its log line shows in the loop's terminal, a change to
// serverless.yml redeploys, and Ctrl-C leaves nothing running. The function it edits is a probe
// consumer `new:service` adds to the copy (of the registry's first type): a fork may have none.
const fork = copyRepository();
const stage = `dev${randomBytes(3).toString('hex')}`;
const probe = probeServiceName();
let dev: DevProcess;
let port: number;
let fn: DeployedFunction;

/** Processes of its group still alive (Linux: a zombie that init has yet to reap is not). */
function alive(group: number): number[] {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(-group, 0);
      return [group];
    } catch {
      return [];
    }
  }
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        // pid (comm) state ppid pgrp …: comm may hold spaces, so split after its ')'.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(pgrp) === group && state !== 'Z';
      } catch {
        return false; // it ended while we looked
      }
    })
    .map(Number);
}

beforeAll(async () => {
  createService(fork.dir, { name: probe, consumes: [registeredType()], publishes: [] });
  port = await freePort();
  dev = startDevProcess(fork.dir, ['--stage', stage, '--webhook-port', String(port)]);
  await dev.waitFor(/watching \d+ functions/, 280_000);
  const found = (await functionsIn(fork.dir)).find((f) => f.service === probe);
  if (!found) throw new Error(`the deploy built no function for the probe service ${probe}`);
  fn = found;
}, 300_000);

afterAll(async () => {
  if (dev?.running()) await dev.interrupt(10_000);
  fork.run('serverless', ['remove', '--stage', stage]);
  fork.remove();
}, 120_000);

describe('npm run dev', () => {
  it("runs a function's saved change at its next invocation, and shows what it logs", async () => {
    const from = dev.lines.length;
    const marker = probeEdit(path.join(fork.dir, fn.entry));
    await dev.waitFor(new RegExp(`${fn.alias} updated in \\d+ ms`), 60_000, from);
    await answersWith(fn.name, marker);
    // Its log line, in the loop's own output, tagged with the function's service.
    const logged = await dev.waitFor(new RegExp(marker), 30_000, from);
    expect(logged).toContain(fn.service ?? fn.alias);
  });

  it('redeploys the stack when serverless.yml changes, and keeps updating code after', async () => {
    const from = dev.lines.length;
    appendFileSync(path.join(fork.dir, 'serverless.yml'), '\n# changed by the dev-loop test\n');
    await dev.waitFor(/serverless\.yml changed: redeploying the stack/, 10_000, from);
    await dev.waitFor(/redeployed stage/, 280_000, from);
    const marker = probeEdit(path.join(fork.dir, fn.entry));
    await answersWith(fn.name, marker, { timeoutMs: 60_000 });
  }, 300_000);

  it('stops everything it started on Ctrl-C and exits 0', async () => {
    const wasRunning = (await emulatorStatus()).running;
    const group = dev.child.pid as number;
    expect(await dev.interrupt()).toBe(0);
    expect(alive(group)).toEqual([]);
    // Its webhook receiver is gone: the port is free again.
    const { createServer } = await import('node:net');
    await new Promise<void>((resolve, reject) => {
      const server = createServer().once('error', reject);
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
    // It did not start the emulator (the tier's setup did), so it left it running.
    expect((await emulatorStatus()).running).toBe(wasRunning);
  }, 90_000);
});
