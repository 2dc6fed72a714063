import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { deployBuildOptions, duplicatePackages, functionEntries } from './bundles.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const metafileOf = (inputs: string[]): Metafile => ({
  inputs: Object.fromEntries(inputs.map((input) => [input, { bytes: 1, imports: [] }])),
  outputs: {},
});

describe('duplicatePackages', () => {
  it.each([
    {
      case: 'two versions of a scoped package, one nested under its dependant',
      inputs: [
        'node_modules/@scope/commons/lib/index.js',
        'node_modules/@scope/logger/lib/index.js',
        'node_modules/@scope/logger/node_modules/@scope/commons/lib/index.js',
      ],
      duplicates: [
        {
          name: '@scope/commons',
          copies: [
            'node_modules/@scope/commons',
            'node_modules/@scope/logger/node_modules/@scope/commons',
          ],
        },
      ],
    },
    {
      case: 'an unscoped package nested twice',
      inputs: [
        'node_modules/a/node_modules/tslib/tslib.es6.mjs',
        'node_modules/b/node_modules/tslib/tslib.es6.mjs',
      ],
      duplicates: [
        {
          name: 'tslib',
          copies: ['node_modules/a/node_modules/tslib', 'node_modules/b/node_modules/tslib'],
        },
      ],
    },
    {
      case: 'many files of one copy, and project sources',
      inputs: [
        'node_modules/zod/v4/core/core.js',
        'node_modules/zod/v4/classic/schemas.js',
        'shared/consumer.ts',
        'services/orders/worker.ts',
      ],
      duplicates: [],
    },
  ])('$case', ({ inputs, duplicates }) => {
    expect(duplicatePackages(metafileOf(inputs))).toEqual(duplicates);
  });
});

// Each function bundled once with the deploy's options; both checks below read its metafile.
const bundles = new Map<string, Promise<Metafile>>();
const metafileOfBundle = (entry: string) => {
  const built =
    bundles.get(entry) ??
    build({
      ...deployBuildOptions(root),
      absWorkingDir: root,
      entryPoints: [entry],
      outdir: 'out',
      write: false,
      metafile: true,
      sourcemap: false,
      minify: false,
      logLevel: 'silent',
    }).then((result) => result.metafile);
  bundles.set(entry, built);
  return built;
};

/** The packages a bundle's own code (not its node_modules) imports: any kind of import. */
function packagesImportedByProjectCode(metafile: Metafile): Array<{ from: string; name: string }> {
  return Object.entries(metafile.inputs)
    .filter(([file]) => !file.includes('node_modules/'))
    .flatMap(([from, input]) =>
      input.imports.flatMap(({ path: imported }) => {
        const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(imported)?.[1];
        return name ? [{ from, name }] : [];
      }),
    );
}

describe('every function bundle, built with the deploy’s esbuild options', () => {
  const functions = functionEntries(root);

  // Two copies of a package in one bundle cost bytes and cold start, and two module instances
  // (a cache, a registry or an `instanceof` check) that disagree. npm dedupes only what the
  // versions allow: Powertools' packages must share one version (package.json pins them exactly).
  // (With no function yet — a fork after remove:examples — there is nothing to bundle.)
  it('holds one copy of each package', async () => {
    const duplicates: string[] = [];
    for (const { name, entry } of functions)
      for (const { name: pkg, copies } of duplicatePackages(await metafileOfBundle(entry)))
        duplicates.push(`${name}: ${pkg} from ${copies.join(', ')}`);
    expect(duplicates, 'align the versions in package.json, then npm install').toEqual([]);
  });

  // The generators' and tests' libraries stay out of the Lambdas: whatever kind of import brought
  // one in (import, export … from, side effect, a literal dynamic import) puts it among the
  // bundle's inputs. An import of types only leaves nothing in the bundle, so it passes.
  it("bundles no devDependency from the project's code", async () => {
    const { devDependencies = {} } = JSON.parse(
      readFileSync(path.join(root, 'package.json'), 'utf8'),
    ) as { devDependencies?: Record<string, string> };
    const imported: string[] = [];
    for (const { name, entry } of functions)
      for (const { from, name: pkg } of packagesImportedByProjectCode(
        await metafileOfBundle(entry),
      ))
        if (pkg in devDependencies) imported.push(`${name}: ${from} imports ${pkg}`);
    expect(imported, 'move it to dependencies, or keep it out of Lambda code').toEqual([]);
  });
});
