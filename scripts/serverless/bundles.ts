import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { parse } from 'yaml';
import { cloudFormationTags } from './cloudformation-yaml.ts';
import { consumerIds } from './consumer-resources.ts';

// What serverless-esbuild bundles, read from serverless.yml without packaging: every function's
// entry module and the deploy's esbuild options. For tools that build bundles the way a deploy
// does (the duplicate-package check, the dev loop) in any fork.

/** A function the stack deploys: its framework name, handler and the source esbuild bundles. */
export interface FunctionEntry {
  name: string;
  handler: string;
  /** Project-relative source of the handler module, e.g. `services/orders/worker.ts`. */
  entry: string;
}

/** serverless-esbuild's own options, which it removes before handing the rest to esbuild. */
const PLUGIN_OPTIONS = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
]);

interface ServerlessYaml {
  custom?: {
    esbuild?: Record<string, unknown>;
    consumers?: Record<string, { handler: string }> | null;
  };
  functions?: Record<string, { handler: string }> | null;
}

function readServerlessYaml(root: string): ServerlessYaml {
  return parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), {
    customTags: cloudFormationTags,
  }) as ServerlessYaml;
}

const entryOf = (handler: string) => `${handler.replace(/\.[^.]+$/, '')}.ts`;

/** Every function serverless.yml deploys: its `functions` and one worker per consumer. */
export function functionEntries(root: string): FunctionEntry[] {
  const yaml = readServerlessYaml(root);
  const declared = Object.entries(yaml.functions ?? {}).map(([name, fn]) => ({
    name,
    handler: fn.handler,
  }));
  const consumers = Object.entries(yaml.custom?.consumers ?? {}).map(([name, consumer]) => ({
    name: consumerIds(name).functionName,
    handler: consumer.handler,
  }));
  return [...consumers, ...declared]
    .map((fn) => ({ ...fn, entry: entryOf(fn.handler) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** custom.esbuild as serverless-esbuild hands it to esbuild (its own keys translated or dropped). */
export function deployBuildOptions(root: string): BuildOptions {
  const custom = readServerlessYaml(root).custom?.esbuild ?? {};
  const options = Object.fromEntries(
    Object.entries(custom).filter(([key]) => !PLUGIN_OPTIONS.has(key)),
  ) as BuildOptions;
  const exclude = (custom.exclude as string[] | undefined) ?? [];
  const extension = custom.outputFileExtension as string | undefined;
  return {
    ...options,
    plugins: pluginsOf(root, custom.plugins),
    external: [...(options.external ?? []), ...(exclude.includes('*') ? [] : exclude)],
    ...(extension && extension !== '.js' ? { outExtension: { '.js': extension } } : {}),
  };
}

/**
 * custom.esbuild.plugins as serverless-esbuild loads them: a module (project-relative) whose
 * default export is the list. Its other form, a function of the framework, needs the framework.
 */
function pluginsOf(root: string, plugins: unknown): Plugin[] {
  if (plugins === undefined) return [];
  if (typeof plugins !== 'string')
    throw new Error('custom.esbuild.plugins: give the path of a module exporting esbuild plugins');
  const loaded = createRequire(import.meta.url)(path.resolve(root, plugins)) as {
    default?: unknown;
  };
  const list = loaded.default ?? loaded;
  if (!Array.isArray(list))
    throw new Error(`custom.esbuild.plugins: ${plugins} must export a list of esbuild plugins`);
  return list as Plugin[];
}

/** A package bundled from more than one installed copy. */
export interface DuplicatePackage {
  name: string;
  /** Each copy's folder, e.g. `node_modules/a/node_modules/b`. */
  copies: string[];
}

/** Packages whose files came from two or more folders (two versions, or one installed twice). */
export function duplicatePackages(metafile: Metafile): DuplicatePackage[] {
  const copies = new Map<string, Set<string>>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/)((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match?.[1] || !match[2]) continue;
    const name = match[2];
    copies.set(name, (copies.get(name) ?? new Set()).add(`${match[1]}${name}`));
  }
  return [...copies]
    .filter(([, folders]) => folders.size > 1)
    .map(([name, folders]) => ({ name, copies: [...folders].sort() }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
