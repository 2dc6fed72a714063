import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import { median, pairedRatio } from '../lib/stats.ts';
import { deployBuildOptions } from '../serverless/bundles.ts';
import { type PackagedTemplate, standIn } from './functions.ts';

// Cold import of each function bundle as `prod` deploys it: a fresh `node` process that loads the bundle
// (what a Lambda cold start pays before the first event), side by side with an empty `node`
// start and with a bare bundle that only creates the AWS clients a function uses — the floor
// for any function using them. Runs are interleaved, and each ratio is the median of per-round
// ratios, so machine noise hits both sides of a ratio alike.

export interface ColdImport {
  function: string;
  /** Its handler's source file, project-relative. */
  source: string;
  ms: number;
  /** × an empty node start. */
  vsEmptyNode: number;
  /** The bare bundle creating the same AWS clients as this function, ms. */
  bareMs: number;
  /** × that bare bundle. */
  vsBare: number;
  /** Its memory setting in the template. */
  memoryMb: number;
  /** Minified KB of its bundle and of its bare bundle (built with the deploy's esbuild settings). */
  bundleKb: number;
  bareKb: number;
  /** What it holds beyond the bare bundle, largest first: KB per package (or project folder). */
  aboveBare: Array<{ part: string; kb: number }>;
}

export interface ColdImportReport {
  emptyNodeMs: number;
  /** The slowest bare bundle (the most clients). */
  bareMs: number;
  functions: ColdImport[];
}

/**
 * The AWS clients a bundle holds, recognised by their protocols' marks, and how to create each:
 * as a `const` named after the service (a bare handler calls through it), kept in `clients`.
 */
const CLIENTS = [
  {
    service: 'dynamodb',
    mark: 'DynamoDB_20120810',
    code: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
const dynamodb = new DynamoDBClient({});
clients.push(DynamoDBDocumentClient.from(dynamodb));`,
  },
  {
    service: 'sqs',
    mark: 'AmazonSQS',
    code: `import { SQSClient } from '@aws-sdk/client-sqs'; const sqs = new SQSClient({}); clients.push(sqs);`,
  },
  {
    service: 'sns',
    mark: '2010-03-31',
    code: `import { SNSClient } from '@aws-sdk/client-sns'; const sns = new SNSClient({}); clients.push(sns);`,
  },
  {
    service: 'ssm',
    mark: 'AmazonSSM',
    code: `import { SSMClient } from '@aws-sdk/client-ssm'; const ssm = new SSMClient({}); clients.push(ssm);`,
  },
];

/**
 * The bare bundle's code for a function: the same AWS clients, created, and nothing else; and
 * the services whose client it names (`const dynamodb`, `const sqs` …).
 */
export function bareClients(bundle: string): { code: string; services: string[] } {
  const held = CLIENTS.filter((c) => bundle.includes(c.mark));
  return {
    code: ['export const clients = [];', ...held.map((c) => c.code)].join('\n'),
    services: held.map((c) => c.service),
  };
}

const DIGITS = new Int8Array(128);
[...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].forEach((c, i) => {
  DIGITS[c.charCodeAt(0)] = i;
});

/** The part a bundled file belongs to: its package (`node_modules/<package>`) or project folder. */
const partOf = (file: string) =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
  file.replace(/^(\.\.\/)+/, '').split('/')[0] ??
  file;

/**
 * A bundle's minified characters per part, read from its source map (the deploy ships one beside
 * every bundle): each mapped stretch of output counts for the file it came from — what esbuild's
 * metafile would say, without bundling again.
 */
function bytesByPart(file: string): Map<string, number> {
  if (!existsSync(`${file}.map`))
    return new Map([['(no source map)', readFileSync(file, 'utf8').length]]);
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as {
    sources: string[];
    mappings: string;
  };
  const lines = readFileSync(file, 'utf8').split('\n');
  const sourceParts = map.sources.map(partOf);
  const parts = new Map<string, number>();
  const add = (part: string, n: number) => parts.set(part, (parts.get(part) ?? 0) + n);
  let source = 0;
  let sourceDelta = 0;
  map.mappings.split(';').forEach((line, lineIndex) => {
    const length = lines[lineIndex]?.length ?? 0;
    let column = 0;
    let start = 0;
    let current: number | undefined;
    const close = (end: number) => {
      const part = current === undefined ? '(unmapped)' : (sourceParts[current] ?? '(unmapped)');
      add(part, end - start);
      start = end;
    };
    // Base64 VLQ segments: column delta, then (source delta, line delta, column delta[, name]).
    let field = 0;
    let value = 0;
    let shift = 0;
    for (let i = 0; i <= line.length; i++) {
      const code = i < line.length ? line.charCodeAt(i) : 44; // a ',' ends the last segment
      if (code === 44) {
        if (field > 1) source += sourceDelta;
        current = field > 1 ? source : undefined;
        field = 0;
        continue;
      }
      const digit = DIGITS[code] ?? 0;
      value += (digit & 31) << shift;
      if (digit & 32) {
        shift += 5;
        continue;
      }
      const decoded = value & 1 ? -(value >>> 1) : value >>> 1;
      value = 0;
      shift = 0;
      if (field === 0) {
        column += decoded;
        close(column);
      } else if (field === 1) sourceDelta = decoded;
      field++;
    }
    close(Math.max(length, start));
  });
  return parts;
}

/** What `bundle` holds beyond `bare`, in KB per part, largest first (parts of under 1 KB left out). */
function partsAbove(bundle: Map<string, number>, bare: Map<string, number>) {
  return [...bundle]
    .map(([part, bytes]) => ({ part, kb: (bytes - (bare.get(part) ?? 0)) / 1024 }))
    .filter((p) => p.kb >= 1)
    .sort((a, b) => b.kb - a.kb);
}

/** Where a function's bundle is once its zip is unpacked into `workDir/<name>`. */
export const bundleFile = (workDir: string, f: { name: string; source: string }) =>
  path.join(workDir, f.name, `${f.source.replace(/\.ts$/, '')}.mjs`);

export async function measureColdImports({
  root,
  workDir,
  runs,
  packaged,
}: {
  root: string;
  workDir: string;
  runs: number;
  /** The packaged template (functions.ts): every function in it is measured. */
  packaged: PackagedTemplate;
}): Promise<ColdImportReport> {
  // Each function: its zip unpacked, its handler file, its environment.
  const targets: Array<{
    name: string;
    file: string;
    env: NodeJS.ProcessEnv;
    memoryMb: number;
    /** Its handler's source file, which esbuild bundled. */
    source: string;
    bare?: string;
    parts?: Map<string, number>;
  }> = [];
  const run = promisify(execFile);
  for (const f of packaged.functions) {
    mkdirSync(path.join(workDir, f.name), { recursive: true });
    targets.push({
      name: f.name,
      file: bundleFile(workDir, f),
      env: Object.fromEntries(Object.entries(f.env).map(([k, v]) => [k, standIn(k, v)])),
      memoryMb: f.memoryMb,
      source: f.source,
    });
  }
  await Promise.all(
    packaged.functions.map((f) =>
      run('unzip', ['-o', '-q', f.zip, '-d', path.join(workDir, f.name)]),
    ),
  );

  // One bare bundle per set of clients, built with the functions' own esbuild settings; both
  // sides' source maps say what a function's bundle holds beyond its bare one.
  const buildOptions: BuildOptions = {
    ...deployBuildOptions(root),
    bundle: true,
    sourcemap: 'linked',
    logLevel: 'silent',
  };
  const bares = new Map<string, string>();
  for (const t of targets) {
    const entry = bareClients(readFileSync(t.file, 'utf8')).code;
    t.bare = bares.get(entry) ?? path.join(workDir, `bare-${bares.size}.mjs`);
    bares.set(entry, t.bare);
  }
  const emptyFile = path.join(workDir, 'empty.mjs');
  writeFileSync(emptyFile, '');

  // Every function is deployed with the same NODE_OPTIONS; the baselines get it too. One
  // function again with source maps on, as the dev stage deploys it, shows what they cost.
  const common = { NODE_OPTIONS: String(targets[0]?.env.NODE_OPTIONS ?? '') };
  const built = [...targets];
  const first = targets[0];
  if (first)
    targets.push({
      ...first,
      name: `${first.name} (source maps on)`,
      env: { ...first.env, NODE_OPTIONS: '--enable-source-maps' },
    });
  const envOf = (env: NodeJS.ProcessEnv) => ({
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    ...env,
  });
  const time = (file: string, env: NodeJS.ProcessEnv) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, [file], { env: envOf(env), encoding: 'utf8' });
    const ms = performance.now() - start;
    if (result.status !== 0)
      throw new Error(`${path.basename(file)} failed to load: ${result.stderr.slice(0, 500)}`);
    return ms;
  };
  // One build for every bare bundle: esbuild parses the SDK once for all of them.
  const entries = path.join(workDir, 'bare-entries');
  mkdirSync(entries, { recursive: true });
  await build({
    ...buildOptions,
    entryPoints: [...bares].map(([entry, file]) => {
      const source = path.join(entries, path.basename(file).replace(/\.mjs$/, '.js'));
      writeFileSync(source, entry);
      return source;
    }),
    outdir: workDir,
    outExtension: { '.js': '.mjs' },
    nodePaths: [path.join(root, 'node_modules')],
  });
  const bareParts = new Map([...bares.values()].map((file) => [file, bytesByPart(file)]));
  for (const t of built) t.parts = bytesByPart(t.file);
  // Every bundle was just written (unzipped, built) and read: no timed load reads the disk.
  const sourceMapsOn = targets[built.length];
  if (sourceMapsOn) sourceMapsOn.parts = first?.parts;
  const samples = new Map<string, number[]>();
  const all = [
    { name: 'empty', file: emptyFile, env: common },
    ...[...bares.values()].map((file) => ({ name: file, file, env: common })),
    ...targets,
  ];
  for (let i = 0; i < runs; i++) {
    for (const t of all) samples.set(t.name, [...(samples.get(t.name) ?? []), time(t.file, t.env)]);
  }
  const kb = (parts: Map<string, number> | undefined) =>
    [...(parts ?? new Map<string, number>()).values()].reduce((a, b) => a + b, 0) / 1024;
  const composition = (t: (typeof targets)[number]) => {
    const bare = bareParts.get(t.bare ?? '') ?? new Map<string, number>();
    return {
      bundleKb: kb(t.parts),
      bareKb: kb(bare),
      aboveBare: partsAbove(t.parts ?? new Map<string, number>(), bare),
    };
  };
  const emptyNodeMs = median(samples.get('empty') ?? []);
  const bareOf = (t: (typeof targets)[number]) => median(samples.get(t.bare ?? '') ?? []);
  // Ratios are paired (pairedRatio): a bundle and its baseline ran back to back in each round.
  const vs = (t: (typeof targets)[number], baseline: string) =>
    pairedRatio(samples.get(t.name) ?? [], samples.get(baseline) ?? []);
  const allClients = [...bares.values()].sort(
    (a, b) => median(samples.get(b) ?? []) - median(samples.get(a) ?? []),
  )[0];
  const bareMs = median(samples.get(allClients ?? '') ?? []);
  return {
    emptyNodeMs,
    bareMs,
    functions: targets
      .map((t) => {
        const ms = median(samples.get(t.name) ?? []);
        return {
          function: t.name,
          source: t.source,
          ms,
          vsEmptyNode: vs(t, 'empty'),
          bareMs: bareOf(t),
          vsBare: vs(t, t.bare ?? ''),
          memoryMb: t.memoryMb,
          ...composition(t),
        };
      })
      .sort((a, b) => a.function.localeCompare(b.function)),
  };
}
