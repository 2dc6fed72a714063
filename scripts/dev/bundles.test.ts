import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunctionBundles, type ResolvedService } from './bundles.ts';

// The dev loop's builds over a small service of its own (no deploy, no emulator): two functions,
// one made of a shared module. Which functions a save updates is decided by what their bundles
// are made of and whether the bytes changed; the new code is the deployed zip with the bundle in it.
const dir = mkdtempSync(path.join(tmpdir(), 'dev-bundles-'));
const cwd = process.cwd();
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
};
const service = (artifacts = false): ResolvedService => ({
  provider: { name: 'aws', runtime: 'nodejs24.x' },
  custom: {
    esbuild: { bundle: true, format: 'esm', outputFileExtension: '.mjs', target: 'node24' },
  },
  package: {},
  functions: Object.fromEntries(
    ['zzprobeOne', 'zzprobeTwo'].map((alias, i) => [
      alias,
      {
        name: `zzprobe-${alias}`,
        handler: `src/fn${i + 1}/handler.handler`,
        environment: { SERVICE_NAME: `zzprobe-${i + 1}` },
        ...(artifacts ? { package: { artifact: `.serverless/${alias}.zip` } } : {}),
      },
    ]),
  ),
});
let bundles: FunctionBundles;

beforeAll(async () => {
  write('src/lib/shared.ts', "export const greeting = 'hello';\n");
  write(
    'src/fn1/handler.ts',
    "import { greeting } from '../lib/shared.ts';\nexport const handler = async () => greeting;\n",
  );
  write('src/fn2/handler.ts', "export const handler = async () => 'two';\n");
  process.chdir(dir); // as osls runs serverless-esbuild
  // Without the deploy's artifacts the deployed code is unknown: every function is stale.
  const first = await FunctionBundles.start(dir, service());
  expect(first.stale.map((u) => u.fn.alias).sort()).toEqual(['zzprobeOne', 'zzprobeTwo']);
  await first.bundles.dispose();
  // The deploy's zips, one with a file of its own beside the bundle.
  for (const { fn, zip } of first.stale) {
    const { zipSync } = await import('fflate');
    write(`.serverless/${fn.alias}.zip`, '');
    writeFileSync(
      path.join(dir, `.serverless/${fn.alias}.zip`),
      zipSync({ ...unzipSync(zip), 'extra.txt': new TextEncoder().encode('kept') }),
    );
  }
  const started = await FunctionBundles.start(dir, service(true));
  expect(started.stale).toEqual([]); // the same bytes as deployed
  bundles = started.bundles;
});

afterAll(async () => {
  await bundles?.dispose();
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

const updated = async (file: string, text: string) => {
  write(file, text);
  return bundles.rebuild([path.join(dir, file)]);
};

describe('FunctionBundles', () => {
  it('knows each function by its entry point, deployed name and service', () => {
    expect(bundles.functions).toEqual([
      {
        alias: 'zzprobeOne',
        name: 'zzprobe-zzprobeOne',
        entry: 'src/fn1/handler.ts',
        service: 'zzprobe-1',
      },
      {
        alias: 'zzprobeTwo',
        name: 'zzprobe-zzprobeTwo',
        entry: 'src/fn2/handler.ts',
        service: 'zzprobe-2',
      },
    ]);
    expect([...bundles.sources()].map((f) => path.relative(dir, f)).sort()).toEqual([
      'src/fn1/handler.ts',
      'src/fn2/handler.ts',
      'src/lib/shared.ts',
    ]);
  });

  it('updates only the functions whose bundle a saved module is part of', async () => {
    const { updates, failures } = await updated(
      'src/lib/shared.ts',
      "export const greeting = 'hello again';\n",
    );
    expect(failures).toEqual([]);
    expect(updates.map((u) => u.fn.alias)).toEqual(['zzprobeOne']);
    const files = unzipSync((updates[0] as { zip: Uint8Array }).zip);
    expect(strFromU8(files['src/fn1/handler.mjs'] as Uint8Array)).toContain('hello again');
    expect(strFromU8(files['extra.txt'] as Uint8Array)).toBe('kept'); // the rest of the deployed zip
  });

  it('updates nothing when the bundle comes out the same', async () => {
    const { updates } = await updated(
      'src/fn2/handler.ts',
      "export const handler = async () => 'two';\n// a comment esbuild drops\n",
    );
    expect(updates).toEqual([]);
  });

  it('reports a source that does not build, and updates the function once it does', async () => {
    const broken = await updated('src/fn2/handler.ts', 'export const handler = async () => ;\n');
    expect(broken.updates).toEqual([]);
    expect(broken.failures).toEqual([
      { entry: 'src/fn2/handler.ts', message: expect.stringContaining('src/fn2/handler.ts:1:') },
    ]);
    const fixed = await updated('src/fn2/handler.ts', 'export const handler = async () => 2;\n');
    expect(fixed.updates.map((u) => u.fn.alias)).toEqual(['zzprobeTwo']);
  });

  it('names a bundle it has no esbuild context to rebuild, rather than skip it unsaid', async () => {
    const { buildCache } = Reflect.get(bundles, 'plugin') as {
      buildCache: Record<string, { context?: unknown }>;
    };
    const cached = buildCache['src/fn2/handler.ts'] as { context?: unknown };
    const { context } = cached;
    delete cached.context;
    try {
      const result = await updated('src/fn2/handler.ts', 'export const handler = async () => 3;\n');
      expect(result).toEqual({ updates: [], failures: [], unbuildable: ['src/fn2/handler.ts'] });
    } finally {
      cached.context = context;
    }
  });
});
