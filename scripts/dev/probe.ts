// Driving `npm run dev` from outside, as its user does: run it in a checkout, save a change to a
// function's source, and ask the emulator until the function answers with the new code. For
// `npm run dev -- --measure` and the e2e test of the loop; any function of any fork will do.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { localAwsEnv } from '../emulator/local-env.ts';
import { type DeployedFunction, deployedFunctions } from './bundles.ts';

export interface DevProcess {
  child: ChildProcess;
  /** Everything it printed so far, line by line (stdout and stderr). */
  lines: string[];
  /** The first line from `from` on matching `pattern`, once printed. */
  waitFor: (pattern: RegExp, timeoutMs: number, from?: number) => Promise<string>;
  /** Ctrl-C as a terminal sends it (to its whole process group); resolves with the exit code. */
  interrupt: (timeoutMs?: number) => Promise<number | null>;
  /** Whether any process of its group is still running. */
  running: () => boolean;
}

/** `tsx scripts/dev.ts [args]` in `dir`, in its own process group. */
export function startDevProcess(dir: string, args: string[]): DevProcess {
  const bin = path.join(dir, 'node_modules', '.bin');
  const child = spawn(path.join(bin, 'tsx'), ['scripts/dev.ts', ...args], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...localAwsEnv(), PATH: `${bin}${path.delimiter}${process.env.PATH}` },
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let exit: number | null | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
      for (const listener of listeners) listener();
    });
  }
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exit = code;
      for (const listener of listeners) listener();
      resolve(code);
    }),
  );
  const running = () => {
    try {
      process.kill(-(child.pid as number), 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    child,
    lines,
    running,
    waitFor: (pattern, timeoutMs, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.slice(from).find((l) => pattern.test(l));
          if (line !== undefined || exit !== undefined) {
            clearTimeout(timer);
            listeners.delete(check);
            if (line !== undefined) resolve(line);
            else
              reject(
                new Error(
                  `npm run dev exited (${exit}) before printing ${pattern}:\n${lines.join('\n')}`,
                ),
              );
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `npm run dev printed no ${pattern} within ${timeoutMs / 1000} s:\n${lines.join('\n')}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    interrupt: async (timeoutMs = 60_000) => {
      if (exit === undefined && running()) process.kill(-(child.pid as number), 'SIGINT');
      const timer = setTimeout(
        () => running() && process.kill(-(child.pid as number), 'SIGKILL'),
        timeoutMs,
      );
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The functions the last deploy in `dir` (another checkout) built, as serverless-esbuild sees them. */
export async function functionsIn(dir: string): Promise<DeployedFunction[]> {
  const cwd = process.cwd();
  process.chdir(dir); // serverless-esbuild reads handlers relative to the service folder
  try {
    return await deployedFunctions(dir);
  } finally {
    process.chdir(cwd);
  }
}

/** A port nothing listens on right now, for a webhook receiver of its own. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Save a change to a function's source that changes its bundle and what it does: at load, it
 * logs a line no other code logs. Returns that line's marker.
 */
export function probeEdit(file: string): string {
  const marker = `dev-loop-probe-${randomBytes(6).toString('hex')}`;
  appendFileSync(file, `\nconsole.log(${JSON.stringify(marker)});\n`);
  return marker;
}

/**
 * Invoke the function until an invocation shows the marker (its new code ran, and answered);
 * resolves with the time it did (performance.now()). The payload is `{}`: a function may refuse
 * it, it still loads and logs.
 */
export async function answersWith(
  functionName: string,
  marker: string,
  { timeoutMs = 30_000, pauseMs = 25 } = {},
): Promise<number> {
  const lambda = new LambdaClient({});
  const logs = new CloudWatchLogsClient({});
  const since = Date.now() - 1000;
  const deadline = performance.now() + timeoutMs;
  try {
    while (performance.now() < deadline) {
      const result = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, Payload: '{}', LogType: 'Tail' }),
      );
      const answered = performance.now();
      const tail = Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');
      if (tail.includes(marker)) return answered;
      // The tail is the log's last 4 KB: a loud function pushes its first lines out of it.
      if (tail.length >= 4000) {
        const { events = [] } = await logs.send(
          new FilterLogEventsCommand({
            logGroupName: `/aws/lambda/${functionName}`,
            startTime: since,
            filterPattern: `"${marker}"`,
          }),
        );
        if (events.some((e) => e.message?.includes(marker))) return answered;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    throw new Error(
      `${functionName} did not run the change (${marker}) within ${timeoutMs / 1000} s`,
    );
  } finally {
    lambda.destroy();
    logs.destroy();
  }
}
