import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SourceMapConsumer } from 'source-map-js';
import { describe, expect, inject, it } from 'vitest';
import { topology } from '../../events/topology.ts';
import { freePort } from '../../scripts/dev/probe.ts';
import { serviceName } from '../../scripts/local/stack.ts';

// `npm run invoke` against the stack deployed into the emulator, on the first consumer of
// whatever topology this fork has: its real handler from source, with its deployed environment;
// and under --inspect, a debugger attached over the DevTools protocol stops at a breakpoint set
// in a TypeScript source line (mapped through tsx's source map, as VS Code maps it).
const stack = inject('stack');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
// The first service that consumes (an HTTP service and a relay's outbox DLQ consume nothing).
const consumes = (name: string) =>
  topology.services[name as keyof typeof topology.services]?.consumes ?? [];
const service = Object.keys(stack.deadLetterQueues).find((name) => consumes(name).length) ?? '';
const type = consumes(service)[0];
const fn = `${service}Worker`;
const invoke = (...args: string[]) =>
  spawnSync('node_modules/.bin/tsx', ['scripts/invoke.ts', ...args, '--stage', stack.stage], {
    cwd: root,
    encoding: 'utf8',
  });

/** The first statement inside the consumer factory's per-event function: runs on every record. */
const SOURCE = path.join(root, 'shared', 'consumer.ts');
const breakLine = () => {
  const lines = readFileSync(SOURCE, 'utf8').split('\n');
  const at = lines.findIndex((line) => /const handleEvent = async/.test(line));
  if (at < 0) throw new Error('shared/consumer.ts has no handleEvent: update this test');
  return at + 2; // 1-based, the line after the arrow
};

/** What invoke printed last: the handler's answer (its log lines come before). */
const lastLine = (out: string) => JSON.parse(out.trim().split('\n').pop() ?? 'null');

/** A minimal DevTools-protocol client over the inspector's WebSocket. */
async function devtools(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let next = 0;
  const replies = new Map<number, (result: unknown) => void>();
  const listeners: Array<(method: string, params: Record<string, unknown>) => void> = [];
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data));
    if (data.id !== undefined) replies.get(data.id)?.(data.result);
    else for (const listener of listeners) listener(data.method, data.params);
  });
  return {
    send: (method: string, params: Record<string, unknown> = {}) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const id = ++next;
        replies.set(id, resolve as (result: unknown) => void);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    on: (listener: (method: string, params: Record<string, unknown>) => void) =>
      listeners.push(listener),
    close: () => socket.close(),
  };
}

/** Resolves with the child's exit code, stdout and stderr. */
const finished = (child: ChildProcess) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (c) => {
      out += c;
    });
    child.stderr?.on('data', (c) => {
      err += c;
    });
    child.on('exit', (code) => resolve({ code, out, err }));
  });

describe('npm run invoke', () => {
  it('refuses a function the stage does not have, in one sentence', () => {
    const result = invoke('zqxNoSuchWorker', '--type', type ?? 'x.y');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `No function ${serviceName()}-${stack.stage}-zqxNoSuchWorker is deployed`,
    );
  });

  it.runIf(type)(
    "runs a consumer's handler on a new event of its first type, and prints its answer",
    () => {
      const result = invoke(fn, '--type', type as string);
      expect(result.status, result.stderr).toBe(0);
      expect(lastLine(result.stdout)).toEqual({ batchItemFailures: [] });
    },
  );

  it.runIf(type)(
    'under --inspect, waits for a debugger and stops at a breakpoint in the TypeScript',
    async () => {
      const port = await freePort();
      const child = spawn(
        'node_modules/.bin/tsx',
        [
          'scripts/invoke.ts',
          fn,
          ...['--type', type as string, '--stage', stack.stage],
          ...['--inspect', '--port', String(port)],
        ],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const done = finished(child);
      let said = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr?.on('data', (c) => {
          said += c;
          const found = /ws:\/\/\S+/.exec(said)?.[0];
          if (found) resolve(found);
        });
        child.on('exit', () => reject(new Error(`it ended without a debugger:\n${said}`)));
      });
      const cdp = await devtools(url);
      const wanted = breakLine();
      let consumerScript = '';
      const hit = new Promise<string>((resolve) => {
        cdp.on(async (method, params) => {
          if (method !== 'Debugger.paused') return;
          const frame = (
            params.callFrames as Array<{ url: string; location: { scriptId: string } }>
          )[0];
          if (params.reason === 'instrumentation') {
            // Before each script runs: when it is shared/consumer.ts, set the breakpoint on the
            // generated line its source map gives for the source line, then go on.
            const script = params.data as { url: string; sourceMapURL?: string; scriptId: string };
            if (
              script.url.endsWith('/shared/consumer.ts') &&
              script.sourceMapURL?.startsWith('data:')
            ) {
              const map = JSON.parse(
                Buffer.from(script.sourceMapURL.split(',')[1] ?? '', 'base64').toString('utf8'),
              );
              const consumer = new SourceMapConsumer(map);
              const source = map.sources.find((s: string) => s.endsWith('consumer.ts'));
              const generated = consumer.generatedPositionFor({
                source,
                line: wanted,
                column: 0,
                bias: SourceMapConsumer.LEAST_UPPER_BOUND,
              });
              consumerScript = script.scriptId;
              await cdp.send('Debugger.setBreakpoint', {
                location: { scriptId: script.scriptId, lineNumber: (generated.line ?? 1) - 1 },
              });
            }
            await cdp.send('Debugger.resume');
            return;
          }
          // An ES module's frame names its script by id (its url is empty).
          resolve(frame?.location.scriptId === consumerScript ? SOURCE : (frame?.url ?? ''));
          await cdp.send('Debugger.resume');
        });
      });
      await cdp.send('Debugger.enable');
      await cdp.send('Debugger.setInstrumentationBreakpoint', {
        instrumentation: 'beforeScriptWithSourceMapExecution',
      });
      await cdp.send('Runtime.runIfWaitingForDebugger');
      expect(await hit).toBe(SOURCE);
      // Detached, it runs on (Node waits at exit for an attached debugger to leave).
      cdp.close();
      const result = await done;
      expect(result.code, result.err).toBe(0);
      expect(lastLine(result.out)).toEqual({ batchItemFailures: [] });
    },
    120_000,
  );
});
