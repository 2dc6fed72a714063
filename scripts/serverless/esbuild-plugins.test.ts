import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { deployBuildOptions } from './bundles.ts';

// A bundle built with the deploy's options (custom.esbuild, its plugins included) loads node:http
// and node:process with require(): every way of importing them still works, and Node's fetch stack
// (undici), which an `import` of node:http loads, stays unloaded (esbuild-plugins.ts).
const root = process.cwd();
const dir = mkdtempSync(path.join(tmpdir(), 'esbuild-plugins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENTRY = `
import http, { STATUS_CODES } from 'node:http';
import * as https from 'node:https';
import * as httpNamespace from 'http';
import process, { env } from 'node:process';
const undici = process.moduleLoadList.some((name) => name.includes('undici'));
console.log(JSON.stringify({
  status: STATUS_CODES[404],
  agent: typeof http.Agent,
  namespaceRequest: typeof httpNamespace.request,
  https: typeof https.request,
  env: env.PROBE,
  undici,
}));
`;

async function bundle(options: Parameters<typeof build>[0]): Promise<string> {
  const outfile = path.join(dir, `${options?.plugins?.length ? 'deploy' : 'plain'}.mjs`);
  await build({
    ...options,
    stdin: { contents: ENTRY, resolveDir: root, loader: 'js' },
    bundle: true,
    outfile,
    sourcemap: false,
    logLevel: 'silent',
  });
  return outfile;
}

const run = (file: string) =>
  JSON.parse(
    execFileSync(process.execPath, [file], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, PROBE: 'seen' },
    }),
  ) as Record<string, unknown>;

describe("the deploy's esbuild plugins", () => {
  it('load node:http and node:process with require(): they work, undici stays unloaded', async () => {
    const options = deployBuildOptions(root);
    expect(options.plugins?.length).toBeGreaterThan(0);
    expect(run(await bundle(options))).toEqual({
      status: 'Not Found',
      agent: 'function',
      namespaceRequest: 'function',
      https: 'function',
      env: 'seen',
      undici: false,
    });
  });

  it('are what keeps undici out: the same bundle without them loads it', async () => {
    const { plugins: _, ...withoutPlugins } = deployBuildOptions(root);
    expect(run(await bundle(withoutPlugins))).toMatchObject({ status: 'Not Found', undici: true });
  });
});
