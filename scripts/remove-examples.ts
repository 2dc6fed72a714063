#!/usr/bin/env tsx
// `npm run remove:examples -- --yes`: take the example domain (calculator, storage, notifier and
// their HTTP API) out of a fork, keeping the mechanism: shared/, the generators, the emulator, the
// IaC checks, the chaos engine, the bench's per-function figures and the tiers' support code. The
// example event contracts stay: the mechanism's own tests use them as fixtures, and a fork's first
// services can consume them until it has its own (so events/contracts.lock.json stays true; a fork
// that deletes them records that with `npm run contracts:check -- --update --allow-removal`).
// Every file it rewrites comes out as `npm run lint` wants it.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCli, runMain, UsageError } from './lib/cli.ts';
import { formatWithBiome, regenerateDocuments } from './new-service.ts';
import { removeEntry } from './serverless/yaml-blocks.ts';
import { readManifest } from './template/manifest.ts';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What belongs to the example domain only: template.json's `examples` (folders end in /). */
const examplePaths = (root: string) =>
  readManifest(root).examples.map((entry) => entry.replace(/\/$/, ''));
export const EXAMPLE_SERVICES = examplePaths(repositoryRoot)
  .filter((entry) => entry.startsWith('services/'))
  .map((entry) => entry.slice('services/'.length));
const EXAMPLE_YAML_ENTRIES = [
  ...EXAMPLE_SERVICES.map((name) => ['custom', 'consumers', name]),
  ['custom', 'tables', 'calculations'],
  ['functions', 'storageApi'],
  ['resources', 'Resources', 'StorageApiRole'],
  ['resources', 'Resources', 'WebhookTargetsUnavailableAlarm'], // the notifier's
  ['resources', 'Outputs', 'HttpApiId'], // no HTTP function, no HTTP API
  ['params', 'bare'], // the bench's floor, whose bare handlers are the example's (scripts/bench/example/bare)
];

/** Markdown about the example only sits between these lines, in README.md and docs/. */
const EXAMPLE_BLOCK = /^<!-- example:start -->\n[\s\S]*?^<!-- example:end -->\n/gm;

/** Remove the example domain under `root`; returns the paths it removed or changed. */
export function removeExamples(root: string): string[] {
  const changed: string[] = [];
  for (const file of examplePaths(root)) {
    if (!existsSync(path.join(root, file))) continue;
    rmSync(path.join(root, file), { recursive: true, force: true });
    changed.push(file);
  }

  const edit = (file: string, change: (text: string) => string) => {
    const full = path.join(root, file);
    const before = readFileSync(full, 'utf8');
    const after = change(before);
    if (after !== before) {
      writeFileSync(full, after);
      changed.push(file);
    }
  };
  edit('serverless.yml', (text) => EXAMPLE_YAML_ENTRIES.reduce(removeEntry, text));
  edit('events/topology.json', (text) => {
    const topology = JSON.parse(text);
    // Rewritten only when an example is there: a fork's own services stay as Biome formatted them.
    if (!EXAMPLE_SERVICES.some((name) => name in topology.services)) return text;
    for (const name of EXAMPLE_SERVICES) delete topology.services[name];
    return `${JSON.stringify(topology, null, 2)}\n`;
  });
  edit('package.json', (text) => {
    const pkg = JSON.parse(text);
    if (!('demo' in pkg.scripts)) return text;
    delete pkg.scripts.demo;
    return `${JSON.stringify(pkg, null, 2)}\n`;
  });
  const docs = existsSync(path.join(root, 'docs'))
    ? readdirSync(path.join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`)
    : [];
  for (const page of ['README.md', ...docs].filter((f) => existsSync(path.join(root, f))))
    edit(page, (text) =>
      EXAMPLE_BLOCK.test(text) ? text.replace(EXAMPLE_BLOCK, '').replace(/\n{3,}/g, '\n\n') : text,
    );
  formatWithBiome(
    root,
    changed.filter((file) => /\.(json|ts)$/.test(file) && existsSync(path.join(root, file))),
  );
  regenerateDocuments(root, ['asyncapi', 'openapi']); // the AsyncAPI document, the README's diagram and openapi.yaml follow
  return changed;
}

const cli = {
  usage: `usage: npm run remove:examples -- --yes
Deletes the example domain (services/${EXAMPLE_SERVICES.join(', services/')}, their serverless.yml
entries, HTTP API, tests, demo, chaos scenario and docs) and keeps the mechanism.
  --yes   really do it (without it, nothing changes)`,
  options: { yes: { type: 'boolean', default: false } },
} as const;

function main(): number {
  const { values } = parseCli(cli);
  if (!values.yes) throw new UsageError('This deletes the example domain; say --yes to go ahead.');
  const changed = removeExamples(repositoryRoot);
  console.log(`Removed the example domain:\n${changed.map((f) => `  ${f}`).join('\n')}`);
  console.log(
    'Next: npm run new:service -- <name> --consumes <type,...>, and update README.md for your system.',
  );
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runMain(cli, main);
