import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { topology } from '../../events/topology.ts';

// Every function the template deploys, found in the packaged `prod` template (not named here):
// its bundle, handler source, environment and memory, the HTTP routes it answers and, for a
// queue consumer (serverless.yml custom.consumers), the event types it consumes
// (events/topology.json). What `npm run bench` measures, per function, in any fork.

type Json = Record<string, unknown>;

export interface PackagedFunction {
  /** The function's CloudFormation name without `LambdaFunction`, e.g. `OrdersWorker`. */
  name: string;
  /** Its bundle's zip in the package directory. */
  zip: string;
  /** The handler as the template gives it, e.g. `services/orders/worker.handler`. */
  handler: string;
  /** Its source file (project-relative) and the export the handler names. */
  source: string;
  exportName: string;
  /** Environment variables as the template sets them (intrinsics left as they are: see standIn). */
  env: Json;
  memoryMb: number;
  /** Its `httpApi` routes, e.g. `POST /orders`. */
  routes: string[];
  /** Set when it is a queue consumer: its custom.consumers name and the types it consumes. */
  consumer?: { name: string; consumes: string[] };
}

export interface PackagedTemplate {
  packageDir: string;
  functions: PackagedFunction[];
}

/**
 * An environment value a cold start can parse: intrinsics (Ref, GetAtt, Sub) become plausible
 * stand-ins — queue URLs on `endpoint`, so the SDK's queue-URL endpoints reach it too.
 */
export function standIn(
  name: string,
  value: unknown,
  endpoint = 'https://sqs.us-east-1.amazonaws.com',
): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (name.endsWith('_URL')) return `${endpoint}/000000000000/bench-${name.toLowerCase()}`;
  if (name.endsWith('_ARN'))
    return `arn:aws:sns:us-east-1:000000000000:bench-${name.toLowerCase()}`;
  return `bench-${name.toLowerCase().replaceAll('_', '-')}`;
}

/** `serverless package --stage prod` into `workDir/package`, and what it holds. */
export function packageFunctions({
  root,
  workDir,
}: {
  root: string;
  workDir: string;
}): PackagedTemplate {
  const packageDir = path.join(workDir, 'package');
  // The bundles are what is measured: whether the HTTP API asks for a token does not change
  // them, so prod is packaged public rather than with a made-up JWT issuer.
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'serverless'),
    ['package', '--stage', 'prod', '--param=apiPublic=true', '--package', packageDir],
    { cwd: root, encoding: 'utf8', env: { ...process.env, AWS_ENDPOINT_URL: '' } },
  );
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`;
    const reason = /Error:\s*\n?([^\n]+)/.exec(output)?.[1] ?? output.trim().split('\n').pop();
    throw new Error(`serverless package --stage prod failed: ${reason}`);
  }
  const template = JSON.parse(
    readFileSync(path.join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Properties: Json }> };
  const { service } = JSON.parse(
    readFileSync(path.join(packageDir, 'serverless-state.json'), 'utf8'),
  ) as {
    service: {
      custom: { consumers?: Record<string, { handler: string }> | null };
      functions?: Record<string, { handler: string; events?: Array<{ httpApi?: unknown }> }>;
    };
  };
  const consumers = Object.entries(service.custom.consumers ?? {});
  const declared = Object.values(service.functions ?? {});

  const functions: PackagedFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties as {
      Handler: string;
      Code: { S3Key: string };
      Environment?: { Variables?: Json };
      MemorySize?: number;
    };
    const base = props.Handler.replace(/\.[^.]+$/, '');
    const consumer = consumers.find(([, c]) => c.handler === props.Handler)?.[0];
    const routes = (declared.find((f) => f.handler === props.Handler)?.events ?? []).flatMap(
      (event) => {
        const route = event.httpApi as { method?: string; path?: string } | string | undefined;
        if (!route) return [];
        return [typeof route === 'string' ? route : `${route.method ?? 'ANY'} ${route.path}`];
      },
    );
    functions.push({
      name: logicalId.replace(/LambdaFunction$/, ''),
      zip: path.join(packageDir, path.basename(props.Code.S3Key)),
      handler: props.Handler,
      source: `${base}.ts`,
      exportName: props.Handler.slice(base.length + 1),
      env: props.Environment?.Variables ?? {},
      memoryMb: Number(props.MemorySize ?? 1024),
      routes,
      ...(consumer
        ? {
            consumer: {
              name: consumer,
              consumes: [...(topology.services[consumer]?.consumes ?? [])],
            },
          }
        : {}),
    });
  }
  functions.sort((a, b) => a.name.localeCompare(b.name));
  return { packageDir, functions };
}
