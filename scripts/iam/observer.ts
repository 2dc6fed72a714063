// IAM proven by observation. The emulators accept any call from anyone, so a role missing an
// action passes every tier and fails on AWS. This proxy sits between the functions and the
// emulator (their AWS_ENDPOINT_URL, set by the local-only switch in
// scripts/serverless/local-faults.ts, or by the integration tier for handlers run in-process):
// it forwards every call untouched, and records what each call asks IAM for, by function — a
// function names itself in the SDK's user agent (`app/<function name>`, AWS_SDK_UA_APP_ID, set
// by the same switch). `check` then judges every distinct call against the function's role in
// the packaged template with an IAM policy evaluator. It listens on 127.0.0.1 only.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { errorAnswer } from '../chaos/fault-proxy.ts';
import { forwardRequest } from '../local/forward-request.ts';
import { type AwsCall, callsOf, operationOf, type Request } from './aws-calls.ts';
import { evaluateCall } from './evaluate.ts';
import type { FunctionRole } from './template-roles.ts';

export interface IamReport {
  /** Distinct calls checked, by function key. */
  checked: Record<string, number>;
  /** The actions each function was seen using, by function key (sorted). */
  actions: Record<string, string[]>;
  /** One sentence per denied call (function, call, missing statement); empty when all pass. */
  denied: string[];
}

export class IamDeniedError extends Error {
  override name = 'IamDeniedError';
}

/** The function a request comes from: `app/<name>` in the AWS SDK's user agent. */
export function callerOf(headers: Record<string, string | string[] | undefined>) {
  const agents = [headers['x-amz-user-agent'], headers['user-agent']].flat().join(' ');
  return /(?:^|\s)app\/([A-Za-z0-9._-]+)/.exec(agents)?.[1];
}

export interface IamObserverOptions {
  /** The emulator, e.g. http://127.0.0.1:4566. */
  target: string;
  port?: number;
  /**
   * Where roles come from for a function seen for the first time (read then, while its stack
   * exists: a test may remove its stage before the check), e.g. the emulator's stacks.
   */
  loadRoles?: (endpoint: string, accountId: string) => Promise<FunctionRole[]>;
  /**
   * Every call is this principal's, whatever its user agent says: an observer in front of one
   * deployer (`serverless deploy` and `remove` with the bootstrap's deploy role).
   */
  caller?: string;
}

/** The role of the function an app id names: exactly, or the longest name it starts with. */
export const roleNamed = (appId: string, roles: Map<string, FunctionRole>) =>
  roles.get(appId) ??
  [...roles.values()]
    .filter((role) => appId.startsWith(`${role.name}-`))
    .sort((a, b) => b.name.length - a.name.length)[0];

export async function startIamObserver({
  target,
  port = 0,
  loadRoles,
  caller,
}: IamObserverOptions) {
  const upstream = new URL(target);
  const clientConfig = {
    endpoint: target,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'observer', secretAccessKey: 'observer' },
  };
  const accountId = (await new STSClient(clientConfig).send(new GetCallerIdentityCommand({})))
    .Account as string;
  const dynamodb = new DynamoDBClient(clientConfig);
  const tableKeys = new Map<string, Promise<string | undefined>>();
  /** A table's partition key; a failed read is not kept, the next call asks again. */
  const hashKeyOf = (table: string) => {
    if (!tableKeys.has(table))
      tableKeys.set(
        table,
        dynamodb
          .send(new DescribeTableCommand({ TableName: table }))
          .then((t) => t.Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName)
          .catch(() => {
            tableKeys.delete(table);
            return undefined;
          }),
      );
    return tableKeys.get(table) as Promise<string | undefined>;
  };

  /** Distinct calls by function name, keyed by their JSON. */
  const observed = new Map<string, Map<string, AwsCall>>();
  /** Calls the reader cannot map to an IAM request, and calls from no named function. */
  const unjudged = new Set<string>();
  const pending = new Set<Promise<void>>();
  const roles = new Map<string, FunctionRole>();
  let loading: Promise<void> | undefined;
  let loadedAt = 0;
  /**
   * The function a caller's app id names. Powertools' clients append their own user-agent token
   * to it, so the longest known function name it starts with. Roles are read again (at most
   * every 2 s) when it names none yet.
   */
  async function functionNamed(appId: string): Promise<string> {
    const known = () => roleNamed(appId, roles)?.name;
    if (known() || !loadRoles) return known() ?? appId;
    if (!loading && Date.now() - loadedAt > 2_000)
      loading = loadRoles(target, accountId)
        .then((found) => {
          for (const role of found) roles.set(role.name, role);
        })
        .finally(() => {
          loading = undefined;
          loadedAt = Date.now();
        });
    await loading;
    return known() ?? appId;
  }

  async function record(
    headers: Record<string, string | string[] | undefined>,
    body: string,
    request: Request,
  ) {
    const appId = caller ?? callerOf(headers);
    const target = headers['x-amz-target'];
    // Tables named in the request: their key schema, read before the call is parsed.
    const tables =
      typeof target === 'string' && target.startsWith('DynamoDB')
        ? [
            ...body.matchAll(
              /"TableName"\s*:\s*"([^"]+)"|"([^"]+)"\s*:\s*(?:\[\s*\{\s*"(?:Put|Delete)Request"|\{\s*"Keys")/g,
            ),
          ]
        : [];
    const keys = new Map<string, string | undefined>();
    for (const m of tables) {
      const table = (m[1] ?? m[2]) as string;
      keys.set(table, await hashKeyOf(table));
    }
    const { service, operation, calls } = callsOf(
      headers,
      body,
      accountId,
      (t) => keys.get(t),
      request,
    );
    if (!appId) {
      unjudged.add(
        `a ${service}:${operation} call from no named function (no app/<name> in its user agent)`,
      );
      return;
    }
    const fn = await functionNamed(appId);
    if (!calls) {
      unjudged.add(
        `${fn}'s ${service}:${operation}, which the observer cannot map to an IAM action and resource`,
      );
      return;
    }
    const mine = observed.get(fn) ?? new Map<string, AwsCall>();
    observed.set(fn, mine);
    for (const call of calls) mine.set(JSON.stringify(call), call);
  }

  const sockets = new Set<Socket>();
  /** Services answering 503 for now (a boundary fault: a test walks the retry path with it). */
  let down = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (down.has(operationOf(req.headers, '').service)) {
        const answer = errorAnswer('http503', typeof req.headers['x-amz-target'] === 'string');
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(answer.body);
        return;
      }
      forwardRequest(upstream, req, body, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      const done = record(req.headers, body.toString('utf8'), {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
      }).catch((error) => {
        unjudged.add(`a call the observer failed to read: ${(error as Error).message}`);
      });
      pending.add(done);
      done.finally(() => pending.delete(done));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const verdicts = new Map<string, string | undefined>();

  /** Every distinct call judged against the role of the function that made it. */
  async function check(given: FunctionRole[] = []): Promise<IamReport> {
    await Promise.all(pending);
    for (const role of given) roles.set(role.name, role);
    // A function first seen just after a read of the roles: read them once more.
    if (loadRoles && [...observed.keys()].some((name) => !roleNamed(name, roles)))
      for (const role of await loadRoles(target, accountId)) roles.set(role.name, role);
    const report: IamReport = { checked: {}, actions: {}, denied: [...unjudged] };
    for (const [name, calls] of observed) {
      const fn = roleNamed(name, roles);
      if (!fn) {
        report.denied.push(
          `${name} made AWS calls, but no packaged template has a function of that name`,
        );
        continue;
      }
      report.checked[fn.key] = (report.checked[fn.key] ?? 0) + calls.size;
      report.actions[fn.key] = [
        ...new Set([
          ...(report.actions[fn.key] ?? []),
          ...[...calls.values()].map((c) => c.action),
        ]),
      ].sort();
      const said = new Set<string>();
      for (const [key, call] of calls) {
        const cacheKey = `${name} ${key}`;
        if (!verdicts.has(cacheKey))
          verdicts.set(cacheKey, (await evaluateCall(fn, call, accountId)).reason);
        const reason = verdicts.get(cacheKey);
        // One sentence per action and resource: other partition keys only repeat it.
        const same = `${fn.key} ${call.action} ${call.resource}`;
        if (reason && !said.has(same)) report.denied.push(reason);
        if (reason) said.add(same);
      }
    }
    return report;
  }

  return {
    url,
    accountId,
    check,
    /** Throws naming every denied call; returns the report otherwise. */
    async assertAllowed(given?: FunctionRole[]): Promise<IamReport> {
      const report = await check(given);
      if (report.denied.length)
        throw new IamDeniedError(
          `IAM would deny ${report.denied.length} call(s) on AWS:\n- ${[...new Set(report.denied)].join('\n- ')}`,
        );
      return report;
    },
    /** Until called again, calls to these services answer 503 and are not forwarded. */
    outage: (services: string[]) => {
      down = new Set(services);
    },
    /** The distinct calls one principal made, as observed (to judge them against another role). */
    observedCalls: (name: string): AwsCall[] => [...(observed.get(name)?.values() ?? [])],
    /** Forget what was observed (a new run on the same observer). */
    reset: () => {
      observed.clear();
      unjudged.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export type IamObserver = Awaited<ReturnType<typeof startIamObserver>>;

/** Distinct calls checked per function, for a summary line. */
export const describeChecked = (report: IamReport) =>
  Object.entries(report.checked)
    .map(([fn, n]) => `${fn} ${n}`)
    .join(', ');
