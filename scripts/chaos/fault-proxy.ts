import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { forwardRequest } from '../local/forward-request.ts';

// A fault-injecting HTTP proxy between the deployed functions and the emulator: the functions'
// AWS_ENDPOINT_URL points here (scripts/serverless/local-faults.ts), so every AWS call they make —
// DynamoDB, SNS, SQS, SSM — passes through it, and nothing in their bundles knows. Faults:
// - `error`: an AWS-shaped 500/503 or a throttling answer, or a connection reset;
// - `crash`: SIGKILL of the calling Lambda process when it is about to mark a consumer's
//   idempotency record COMPLETED — after every side effect of the record, before its completion —
//   or right after one of its side effects (a publish, a write) reached AWS, before it hears the
//   answer: the hard cases for exactly-once, with or without an idempotency record;
// - `hang`: the call is held past the function timeout, so the invocation times out mid-record;
// - `outage`: for a while every call to some services (a dependency down) answers 503, longer
//   than a consumer's retry schedule, so events are dead-lettered and must be redriven.
// It listens on 127.0.0.1 only and forwards only to the emulator it was given.

export type FaultKind = 'reset' | 'http500' | 'http503' | 'throttle' | 'crash' | 'hang' | 'outage';

export interface FaultProxyOptions {
  /** The emulator, e.g. http://127.0.0.1:4566. */
  target: string;
  port?: number;
  /** Probability that an AWS call gets an error fault (reset, 500, 503, throttling). */
  errorRate?: number;
  /** Probability of a crash before an idempotency completion, and after each side effect. */
  crashRate?: number;
  /** Probability that a call hangs past the function timeout. */
  hangRate?: number;
  hangMs?: number;
  /** Inject each kind whose rate is above 0 at least once (see `everyKind` below). */
  everyKind?: boolean;
  /** Crash only processes whose command line contains this (e.g. the stage's function names). */
  crashOnly?: string;
  random?: () => number;
}

/** What a call is, from its protocol: X-Amz-Target for JSON APIs, Action= for query APIs. */
export function operationOf(headers: IncomingMessage['headers'], body: string): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  return /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1] ?? 'unknown';
}

/** The AWS service a signed request is for: the service of its SigV4 credential scope. */
export function serviceOf(headers: IncomingMessage['headers']): string {
  const auth = headers.authorization ?? '';
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown';
}

/**
 * The key (`<prefix>#<hash of the idempotency key>`) of a Powertools idempotency record this call
 * marks COMPLETED, if it is one.
 */
export function completedRecordKey(operation: string, body: string): string | undefined {
  if (operation !== 'UpdateItem' || !body.includes('"COMPLETED"')) return undefined;
  return /"id"\s*:\s*\{\s*"S"\s*:\s*"([^"#]+#[^"]*)"/.exec(body)?.[1];
}

const completedRecordPrefix = (operation: string, body: string) =>
  completedRecordKey(operation, body)?.split('#')[0];

/** A call whose effect stays when its caller dies before the answer: a crash is injected after it. */
export const isSideEffect = (operation: string): boolean =>
  ['Publish', 'PublishBatch', 'PutItem', 'UpdateItem'].includes(operation);

/** A consumer's (or the HTTP API's) record marked COMPLETED: where a crash is injected. */
/**
 * A consumer's dead letter of a record whose retries ran out: `failure.attempts` at least
 * `exhaustedAt` (its maxReceiveCount). Poison fails at its first receive, so it never counts.
 */
export function deadLettersExhausted(
  operation: string,
  body: string,
  exhaustedAt: number,
): boolean {
  if (operation !== 'SendMessage') return false;
  try {
    const attributes = (
      JSON.parse(body) as {
        MessageAttributes?: Record<string, { StringValue?: string }>;
      }
    ).MessageAttributes;
    return Number(attributes?.['failure.attempts']?.StringValue ?? 0) >= exhaustedAt;
  } catch {
    return false; // not a JSON-protocol call
  }
}

export function completesConsumerRecord(operation: string, body: string): boolean {
  const prefix = completedRecordPrefix(operation, body);
  return prefix !== undefined && !prefix.endsWith('-delivery');
}

/**
 * The call that records a webhook as delivered. A crash or timeout between a receiver's answer
 * and this write is the one window where any webhook sender delivers twice (Standard Webhooks
 * receivers deduplicate on webhook-id for it); no crash or hang is injected here, errors are.
 */
export function completesWebhookDelivery(operation: string, body: string): boolean {
  return completedRecordPrefix(operation, body)?.endsWith('-delivery') ?? false;
}

const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

/**
 * The pid of the local Node process at the other end of a connection to this proxy (Linux
 * /proc): the socket whose local port is the client's and whose remote port is ours — both,
 * since one ephemeral port may serve several connections to different peers.
 */
export function pidOfConnection(
  clientPort: number,
  proxyPort: number,
  commandIncludes = '',
): number | undefined {
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex(clientPort)}`) && cols[2]?.endsWith(`:${hex(proxyPort)}`))
        inode = cols[9];
    }
  }
  if (!inode || inode === '0') return undefined;
  const wanted = `socket:[${inode}]`;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== wanted) continue;
        // Only ever a Node process (a Lambda worker), never the emulator or anything else.
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return /(^|\/)node\0/.test(command) && command.includes(commandIncludes)
          ? Number(pid)
          : undefined;
      }
    } catch {
      // A process that ended, or one we may not look at.
    }
  }
  return undefined;
}

/** An AWS-shaped error answer, in the protocol of the call (JSON, or the query API's XML). */
export function errorAnswer(kind: 'http500' | 'http503' | 'throttle', jsonApi: boolean) {
  const [status, code] =
    kind === 'http500'
      ? [500, 'InternalFailure']
      : kind === 'http503'
        ? [503, 'ServiceUnavailable']
        : [400, 'ThrottlingException'];
  return jsonApi
    ? {
        status,
        type: 'application/x-amz-json-1.0',
        body: JSON.stringify({ __type: code, message: `injected ${code}` }),
      }
    : {
        status,
        type: 'text/xml',
        body: `<ErrorResponse><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${code === 'ThrottlingException' ? 'Throttling' : code}</Code><Message>injected</Message></Error></ErrorResponse>`,
      };
}

export async function startFaultProxy(options: FaultProxyOptions) {
  const target = new URL(options.target);
  const random = options.random ?? Math.random;
  const rates = {
    error: options.errorRate ?? 0,
    crash: options.crashRate ?? 0,
    hang: options.hangRate ?? 0,
    /** How long a hung call is held: past the longest function timeout. */
    hangMs: options.hangMs ?? 15_000,
    /**
     * Every kind whose rate is above 0 happens at least once: the first eligible call gets a
     * kind not injected yet, so a short run proves each kind without high rates.
     */
    everyKind: options.everyKind ?? false,
    /** Until this time (ms since the epoch) every call to `outageServices` answers 503. */
    outageUntil: 0,
    outageServices: ['dynamodb', 'sns'],
    /** Receives after which a consumer dead-letters a failing record (its maxReceiveCount). */
    exhaustedAt: Number.POSITIVE_INFINITY,
  };
  /** Dead letters of records whose retries ran out, forwarded to a DLQ. */
  let exhausted = 0;
  const injected: Record<FaultKind, number> = {
    reset: 0,
    http500: 0,
    http503: 0,
    throttle: 0,
    crash: 0,
    hang: 0,
    outage: 0,
  };
  let calls = 0;
  /**
   * Idempotency records marked COMPLETED, by record key: how many times such an update reached
   * AWS and was acknowledged. A record completed twice is a handler that ran to the end twice for
   * one key — observed here, at the boundary, with no hook in the functions.
   */
  const completions = new Map<string, number>();
  /** Calls forwarded or failed, by `service:Operation` (e.g. `dynamodb:PutItem`). */
  const byOperation: Record<string, number> = {};
  const sockets = new Set<Socket>();

  let port = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const operation = operationOf(req.headers, text);
      const jsonApi = typeof req.headers['x-amz-target'] === 'string';
      const key = `${serviceOf(req.headers)}:${operation}`;
      byOperation[key] = (byOperation[key] ?? 0) + 1;

      /** SIGKILL the caller, if it is one of the processes crashes are meant for. */
      const crashCaller = () => {
        const pid = pidOfConnection(req.socket.remotePort ?? 0, port, options.crashOnly);
        if (!pid) return false;
        injected.crash++;
        process.kill(pid, 'SIGKILL');
        req.socket.destroy();
        return true;
      };
      if (Date.now() < rates.outageUntil && rates.outageServices.includes(serviceOf(req.headers))) {
        injected.outage++;
        const answer = errorAnswer('http503', jsonApi);
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(answer.body);
        return;
      }
      /** Whether to inject a fault at `rate`: by chance, or as the first of a kind not seen yet. */
      const inject = (rate: number, ...kinds: FaultKind[]) =>
        random() < rate || (rate > 0 && rates.everyKind && kinds.some((k) => injected[k] === 0));
      const completing = completesConsumerRecord(operation, text);
      if (completing && inject(rates.crash, 'crash') && crashCaller()) return;
      const crashAfter = !completing && isSideEffect(operation) && random() < rates.crash;
      if (!completesWebhookDelivery(operation, text) && inject(rates.hang, 'hang')) {
        injected.hang++;
        setTimeout(() => req.socket.destroy(), rates.hangMs).unref();
        return;
      }
      const errorKinds = ['reset', 'http500', 'http503', 'throttle'] as const;
      if (inject(rates.error, ...errorKinds)) {
        const kind =
          (rates.everyKind ? errorKinds.find((k) => injected[k] === 0) : undefined) ??
          errorKinds[Math.floor(random() * errorKinds.length)] ??
          'reset';
        injected[kind]++;
        if (kind === 'reset') {
          req.socket.destroy();
          return;
        }
        const answer = errorAnswer(kind, jsonApi);
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(answer.body);
        return;
      }
      forwardRequest(target, req, body, (answer) => {
        if (crashAfter && crashCaller()) {
          answer.resume(); // the effect happened; the caller never hears of it
          return;
        }
        if (deadLettersExhausted(operation, text, rates.exhaustedAt)) exhausted++;
        const recordKey = completedRecordKey(operation, text);
        if (recordKey && (answer.statusCode ?? 500) < 300)
          completions.set(recordKey, (completions.get(recordKey) ?? 0) + 1);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    injected,
    calls: () => calls,
    /** How many records have been dead-lettered with their retries spent (see exhaustedAt). */
    exhausted: () => exhausted,
    completions,
    byOperation,
    /** Change the fault rates (or the hang) while running (0 everywhere: a transparent proxy). */
    setRates: (next: Partial<typeof rates>) => Object.assign(rates, next),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>;
