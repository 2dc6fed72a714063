// npm run dev's builds. They are serverless-esbuild's own: the plugin the deploy runs, given the
// service the deploy resolved (.serverless/serverless-state.json), so the entry points, the
// options (serverless.yml custom.esbuild over the plugin's defaults) and the output paths are the
// deploy's. Its esbuild contexts stay alive and rebuild incrementally; a capture plugin keeps the
// outputs in memory and the metafile, which says which sources each bundle is made of.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildResult, Message, Plugin } from 'esbuild';
import { unzipSync, zipSync } from 'fflate';
import EsbuildServerlessPlugin from 'serverless-esbuild';

/** What the framework resolved for one function (its entry under `functions`). */
interface ResolvedFunction {
  name?: string;
  handler?: string;
  environment?: Record<string, unknown>;
  package?: { artifact?: string };
}

/** The part of the framework's resolved service serverless-esbuild reads. */
export interface ResolvedService {
  provider: { name: string; runtime?: string; stage?: string };
  custom?: Record<string, unknown>;
  functions: Record<string, ResolvedFunction>;
  package?: Record<string, unknown>;
  plugins?: unknown;
}

export interface DeployedFunction {
  /** Its key under `functions`, e.g. `calculatorApi`. */
  alias: string;
  /** The function's name in the cloud (or emulator), e.g. `my-service-local-calculatorApi`. */
  name: string;
  /** Its source entry point, relative to the service folder. */
  entry: string;
  /** The SERVICE_NAME it runs as, when it sets one. */
  service?: string;
}

export interface BundleUpdate {
  fn: DeployedFunction;
  /** The function's new code: the deploy's artifact with the rebuilt bundle in it. */
  zip: Uint8Array;
}

export interface RebuildResult {
  updates: BundleUpdate[];
  /** One readable failure per entry point that did not build. */
  failures: Array<{ entry: string; message: string }>;
  /** Entry points made of a changed file that have no esbuild context to rebuild them. */
  unbuildable: string[];
}

/** The service the last `serverless deploy|package` in `root` resolved, plugins' functions included. */
export function readResolvedService(root: string): ResolvedService {
  const file = path.join(root, '.serverless', 'serverless-state.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: deploy the stack first.`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { service: ResolvedService }).service;
}

const quiet = Object.assign(() => {}, {
  error: () => {},
  warning: () => {},
  notice: () => {},
  info: () => {},
  debug: () => {},
  verbose: () => {},
  success: () => {},
});

/** serverless-esbuild, constructed as osls would, over a resolved service. */
async function esbuildPlugin(root: string, service: ResolvedService) {
  // It finds handlers relative to the working directory: osls runs it in the service folder.
  if (path.resolve(process.cwd()) !== path.resolve(root))
    throw new Error(`Run this in the service folder ${root}, not ${process.cwd()}.`);
  const serverless = {
    config: { serviceDir: root, servicePath: root },
    service: { ...service, getFunction: (alias: string) => service.functions[alias] },
    configSchemaHandler: { defineFunctionProperties: () => {} },
    pluginManager: { spawn: async () => {} },
  };
  const plugin = new EsbuildServerlessPlugin(
    serverless as never,
    {} as never,
    {
      log: quiet,
    } as never,
  );
  await plugin.hooks.initialize?.(); // reads the build options, as before any command
  return plugin;
}

/** Each function serverless-esbuild builds, with its entry point and deployed name. */
export async function deployedFunctions(
  root: string,
  service = readResolvedService(root),
  plugin?: EsbuildServerlessPlugin,
): Promise<DeployedFunction[]> {
  return (plugin ?? (await esbuildPlugin(root, service))).functionEntries.flatMap(
    ({ entry, functionAlias }) => {
      const fn = functionAlias ? service.functions[functionAlias] : undefined;
      if (!functionAlias || !fn?.name) return [];
      const serviceName = fn.environment?.SERVICE_NAME;
      return [
        {
          alias: functionAlias,
          name: fn.name,
          entry,
          ...(typeof serviceName === 'string' ? { service: serviceName } : {}),
        },
      ];
    },
  );
}

type Outputs = Record<string, Uint8Array>;

const digest = (files: Outputs) => {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) hash.update(name).update(files[name] as Uint8Array);
  return hash.digest('hex');
};

const describeErrors = (messages: Message[]) =>
  messages
    .map((m) =>
      m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text,
    )
    .join('\n');

/**
 * Every function's bundle, built once and then rebuilt incrementally: `rebuild(files)` rebuilds
 * only the bundles made of a changed file and returns the functions whose bundle really changed
 * (a different hash), each with its new code.
 */
export class FunctionBundles {
  private readonly results = new Map<string, BuildResult>();
  private readonly hashes = new Map<string, string>();
  private readonly artifacts = new Map<string, Outputs>();

  private constructor(
    private readonly root: string,
    private readonly plugin: EsbuildServerlessPlugin,
    readonly functions: DeployedFunction[],
    private readonly service: ResolvedService,
  ) {}

  /**
   * Build every function as the deploy did. `stale` lists the functions whose deployed code
   * differs from these sources (a file saved while the deploy ran).
   */
  static async start(root: string, service = readResolvedService(root)) {
    const plugin = await esbuildPlugin(root, service);
    const bundles = new FunctionBundles(
      root,
      plugin,
      await deployedFunctions(root, service, plugin),
      service,
    );
    const capture: Plugin = {
      name: 'dev-loop-capture',
      setup(build) {
        const [entry] = build.initialOptions.entryPoints as string[];
        // In memory (nothing written where a deploy works) and with the list of inputs; the
        // output is the same bytes. Entry points are relative to the service folder.
        Object.assign(build.initialOptions, { write: false, metafile: true, absWorkingDir: root });
        build.onEnd((result) => {
          if (entry && result.errors.length === 0) bundles.results.set(entry, result);
        });
      },
    };
    const own = plugin.plugins;
    if (!plugin.buildOptions) throw new Error('serverless-esbuild read no build options');
    plugin.buildOptions.plugins = [...(Array.isArray(own) ? own : []), capture];
    plugin.buildOptions.skipRebuild = false; // contexts to rebuild (the output is the same)
    await plugin.bundle();
    const stale: BundleUpdate[] = [];
    for (const entry of bundles.results.keys()) {
      const outputs = bundles.outputs(entry);
      bundles.hashes.set(entry, digest(outputs));
      for (const fn of bundles.functions.filter((f) => f.entry === entry)) {
        const deployed = bundles.artifact(fn);
        const same = Object.entries(outputs).every(
          ([name, bytes]) => deployed[name] && Buffer.from(deployed[name]).equals(bytes),
        );
        if (!same) stale.push({ fn, zip: bundles.zip(fn, outputs) });
      }
    }
    return { bundles, stale };
  }

  /** Absolute paths of every source file (outside node_modules) some bundle is made of. */
  sources(): Set<string> {
    const files = new Set<string>();
    for (const result of this.results.values())
      for (const input of Object.keys(result.metafile?.inputs ?? {}))
        if (!input.split('/').includes('node_modules')) files.add(path.resolve(this.root, input));
    return files;
  }

  /** Rebuild the bundles made of any of `files` (absolute paths). */
  async rebuild(files: string[]): Promise<RebuildResult> {
    const changed = new Set(files.map((f) => path.relative(this.root, f)));
    const entries = [...new Set(this.functions.map((f) => f.entry))].filter((entry) => {
      const inputs = this.results.get(entry)?.metafile?.inputs;
      // A bundle whose last build failed has no inputs to go by: any change may fix it.
      return !inputs || Object.keys(inputs).some((input) => changed.has(input));
    });
    const outcome: RebuildResult = { updates: [], failures: [], unbuildable: [] };
    await Promise.all(
      entries.map(async (entry) => {
        const context = this.plugin.buildCache[entry]?.context;
        if (!context) {
          outcome.unbuildable.push(entry); // serverless-esbuild kept none: the caller says so
          return;
        }
        try {
          await context.rebuild();
        } catch (error) {
          const messages = (error as { errors?: Message[] }).errors;
          outcome.failures.push({
            entry,
            message: messages?.length ? describeErrors(messages) : String(error),
          });
          this.results.delete(entry);
          return;
        }
        const outputs = this.outputs(entry);
        const hash = digest(outputs);
        if (this.hashes.get(entry) === hash) return;
        this.hashes.set(entry, hash);
        for (const fn of this.functions.filter((f) => f.entry === entry))
          outcome.updates.push({ fn, zip: this.zip(fn, outputs) });
      }),
    );
    return outcome;
  }

  async dispose(): Promise<void> {
    await this.plugin.disposeContexts().catch(() => {}); // esbuild may already have stopped (Ctrl-C)
  }

  /** The entry's last outputs, by their path in the function's zip (as the deploy packs them). */
  private outputs(entry: string): Outputs {
    const buildDir = this.plugin.buildDirPath as string;
    return Object.fromEntries(
      (this.results.get(entry)?.outputFiles ?? []).map((file) => [
        path.relative(buildDir, file.path).split(path.sep).join('/'),
        file.contents,
      ]),
    );
  }

  /** The files the deploy packaged for this function (its node_modules and extras included). */
  private artifact(fn: DeployedFunction): Outputs {
    let files = this.artifacts.get(fn.alias);
    if (!files) {
      const artifact = this.service.functions[fn.alias]?.package?.artifact;
      const file = artifact && path.resolve(this.root, artifact);
      files = file && existsSync(file) ? unzipSync(readFileSync(file)) : {};
      this.artifacts.set(fn.alias, files);
    }
    return files;
  }

  /** The deployed zip with the new bundle in it, stored: deflating costs more than it saves locally. */
  private zip(fn: DeployedFunction, outputs: Outputs): Uint8Array {
    return zipSync({ ...this.artifact(fn), ...outputs }, { level: 0, mtime: new Date(1980, 0, 1) });
  }
}
