import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ensurePythonPackages, PythonMissingError } from '../lib/python-venv.ts';
import { pinsOf } from '../lib/tool-pins.ts';
import { LOCAL_AWS_ENV, LOCAL_ENDPOINT } from './local-env.ts';

/** Pinned in scripts/requirements/ministack.txt: its behaviour is part of what the tests assert. */
const MINISTACK_PINS = pinsOf('ministack.txt');
export const MINISTACK_VERSION = MINISTACK_PINS[0]?.split('==')[1] ?? '?';
const COMPOSE_LOCALSTACK = 'localstack';
const COMPOSE_MINISTACK = 'ministack';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stateDir = path.join(root, '.emulator');
const venvDir = path.join(stateDir, 'venv');
const pidFile = path.join(stateDir, 'ministack.pid');
const backendFile = path.join(stateDir, 'backend');
const lockFile = path.join(stateDir, 'start.lock');
export const logFile = path.join(stateDir, 'ministack.log');

export type Backend = 'external' | 'docker' | 'ministack';

export interface EmulatorStatus {
  running: boolean;
  backend?: Backend;
  endpoint: string;
  detail: string;
}

/** An error whose message is a sentence for the user; the CLI prints it without a stack. */
export class EmulatorError extends Error {
  override name = 'EmulatorError';
}

/**
 * Whether an AWS-compatible endpoint answers: LocalStack's and MiniStack's health path where
 * present, otherwise a harmless AWS call (SQS ListQueues), so any emulator works — moto server
 * has no health path.
 */
export async function isHealthy(endpoint: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const res = await fetch(new URL('/_localstack/health', endpoint), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.ok) return true;
  } catch {
    return false; // nothing listens
  }
  try {
    const sqs = new SQSClient({
      endpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: {
        accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      },
      maxAttempts: 1,
    });
    await sqs.send(new ListQueuesCommand({}), { abortSignal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

async function waitForHealth(endpoint: string, deadlineMs: number, alive?: () => boolean) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await isHealthy(endpoint)) return;
    if (alive && !alive()) {
      throw new EmulatorError(`The emulator exited during start-up; see ${logFile}.`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new EmulatorError(
    `The emulator did not become healthy at ${endpoint} within ${deadlineMs / 1000}s.`,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ourPid(): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && processAlive(pid) ? pid : undefined;
}

function recordedBackend(): Backend | undefined {
  return existsSync(backendFile)
    ? (readFileSync(backendFile, 'utf8').trim() as Backend)
    : undefined;
}

function dockerEngineAnswers(): boolean {
  const res = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    stdio: 'ignore',
    timeout: 10_000,
  });
  return res.status === 0;
}

function installMiniStack(log: (line: string) => void): string {
  try {
    return path.join(ensurePythonPackages(venvDir, MINISTACK_PINS, log), 'ministack');
  } catch (error) {
    if (!(error instanceof PythonMissingError)) throw error;
    throw new EmulatorError(
      'No emulator is available: install Python 3.10 or newer (for MiniStack) or a Docker engine, or set AWS_ENDPOINT_URL to a running LocalStack.',
    );
  }
}

function startMiniStack(log: (line: string) => void): number {
  const bin = installMiniStack(log);
  const port = new URL(LOCAL_ENDPOINT).port;
  const out = openSync(logFile, 'a');
  const child = spawn(bin, [], {
    cwd: root,
    detached: true, // own process group: `stop` ends MiniStack and the Lambda workers it spawned
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      ...LOCAL_AWS_ENV,
      GATEWAY_PORT: port,
      BIND_HOST: '127.0.0.1',
      // Queue URLs MiniStack hands out use this host; match the endpoint the SDK is given.
      MINISTACK_HOST: new URL(LOCAL_ENDPOINT).hostname,
      MINISTACK_REGION: LOCAL_AWS_ENV.AWS_REGION,
      // MiniStack runs Node Lambdas with the first `node` on PATH: make it the project's Node.
      PATH: [path.join(root, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter),
    },
  });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new EmulatorError(`MiniStack could not be started; see ${logFile}.`);
  writeFileSync(pidFile, String(child.pid));
  return child.pid;
}

function compose(args: string[]): void {
  execFileSync('docker', ['compose', ...args], { cwd: root, stdio: 'inherit' });
}

function userEndpoint(): string | undefined {
  const value = process.env.AWS_ENDPOINT_URL;
  return value && value.replace(/\/$/, '') !== LOCAL_ENDPOINT ? value : undefined;
}

async function withStartLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      // A lock left by a process that died (Ctrl-C during the pip install) is taken over.
      const holder = Number(existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : NaN);
      if (!processAlive(holder) || Date.now() > deadline) rmSync(lockFile, { force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

export interface StartResult extends EmulatorStatus {
  /** True when this call launched the emulator (so the caller may stop it again). */
  startedNow: boolean;
}

/** Make sure an emulator answers; start one when none does. Safe to call concurrently. */
export async function startEmulator(log: (line: string) => void = () => {}): Promise<StartResult> {
  const external = userEndpoint();
  if (external) {
    if (await isHealthy(external)) {
      return {
        running: true,
        backend: 'external',
        endpoint: external,
        detail: 'AWS_ENDPOINT_URL',
        startedNow: false,
      };
    }
    throw new EmulatorError(
      `AWS_ENDPOINT_URL is set to ${external} but nothing healthy answers there; start that emulator or unset the variable.`,
    );
  }
  return withStartLock(async () => {
    const current = await emulatorStatus();
    if (current.running) return { ...current, startedNow: false };

    if (dockerEngineAnswers()) {
      // LocalStack is the compose default but needs a token; without one, MiniStack (its profile).
      const service = process.env.LOCALSTACK_AUTH_TOKEN ? COMPOSE_LOCALSTACK : COMPOSE_MINISTACK;
      log(`starting ${service} with docker compose …`);
      compose([
        ...(service === COMPOSE_MINISTACK ? ['--profile', COMPOSE_MINISTACK] : []),
        'up',
        '-d',
        service,
      ]);
      writeFileSync(backendFile, 'docker');
      await waitForHealth(LOCAL_ENDPOINT, 120_000);
      return {
        running: true,
        backend: 'docker',
        endpoint: LOCAL_ENDPOINT,
        detail: service,
        startedNow: true,
      };
    }

    const pid = startMiniStack(log);
    writeFileSync(backendFile, 'ministack');
    log(
      `MiniStack ${MINISTACK_VERSION} starting (pid ${pid}, log ${path.relative(root, logFile)}) …`,
    );
    await waitForHealth(LOCAL_ENDPOINT, 60_000, () => processAlive(pid));
    return {
      running: true,
      backend: 'ministack',
      endpoint: LOCAL_ENDPOINT,
      detail: `MiniStack ${MINISTACK_VERSION}, pid ${pid}`,
      startedNow: true,
    };
  });
}

export async function emulatorStatus(): Promise<EmulatorStatus> {
  const external = userEndpoint();
  if (external) {
    const running = await isHealthy(external);
    return { running, backend: 'external', endpoint: external, detail: 'AWS_ENDPOINT_URL' };
  }
  const healthy = await isHealthy(LOCAL_ENDPOINT);
  const pid = ourPid();
  if (pid && recordedBackend() === 'ministack') {
    return {
      running: healthy,
      backend: 'ministack',
      endpoint: LOCAL_ENDPOINT,
      detail: `MiniStack ${MINISTACK_VERSION}, pid ${pid}`,
    };
  }
  if (healthy && recordedBackend() === 'docker') {
    return { running: true, backend: 'docker', endpoint: LOCAL_ENDPOINT, detail: 'docker compose' };
  }
  if (healthy) {
    return {
      running: true,
      backend: 'external',
      endpoint: LOCAL_ENDPOINT,
      detail: 'started outside this project',
    };
  }
  return { running: false, endpoint: LOCAL_ENDPOINT, detail: 'not running' };
}

/** Stop only what this project started; an emulator someone else runs is left alone. */
export async function stopEmulator(): Promise<string> {
  const backend = recordedBackend();
  if (backend === 'docker') {
    compose(['--profile', COMPOSE_MINISTACK, 'down']);
    rmSync(backendFile, { force: true });
    return 'stopped the docker compose emulator';
  }
  const pid = ourPid();
  rmSync(pidFile, { force: true });
  rmSync(backendFile, { force: true });
  if (!pid) return 'no emulator started by this project is running';
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 10_000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(pid)) process.kill(-pid, 'SIGKILL');
  return `stopped MiniStack (pid ${pid})`;
}
