#!/usr/bin/env tsx
// `npm run new:event -- <type> [--version n]`: a contract module in events/ from a template, its
// line in the registry and in events/index.ts, then the AsyncAPI document and examples
// regenerated. A new major version of an existing type starts from the current schema and keeps
// the older versions registered, so consumers can migrate while both are published.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { contracts } from '../events/registry.ts';
import { parseCli, UsageError, wholeNumber } from './lib/cli.ts';
import {
  formatWithBiome,
  GeneratorError,
  regenerateDocuments,
  runGenerator,
} from './new-service.ts';

const TYPE = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)+$/;

const words = (type: string) => type.split('.');
const camel = (type: string) =>
  words(type)
    .map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1)))
    .join('');
const pascal = (type: string) => camel(type).replace(/^./, (c) => c.toUpperCase());

export interface NewEvent {
  type: string;
  version?: number;
}

/** Module file and exported names of one contract version. */
export function contractNames(type: string, version: number) {
  const suffix = version > 1 ? `V${version}` : '';
  return {
    file: `${words(type).join('-')}${version > 1 ? `-v${version}` : ''}.ts`,
    constant: `${camel(type)}${suffix}`,
    typeName: `${pascal(type)}${suffix}`,
  };
}

function moduleSource(type: string, version: number, previous?: string): string {
  const { constant, typeName } = contractNames(type, version);
  if (previous) {
    const before = contracts.find((c) => c.type === type && c.version === version - 1);
    const prev = contractNames(type, version - 1);
    return `import { defineContract } from './contract.ts';
import { ${prev.constant} } from './${prev.file}';
import type * as z from './zod.ts';

// v${version} of ${type}: a breaking change. It starts as a copy of v${version - 1}'s schema — change it.
// Both versions stay registered while consumers migrate; the publisher writes the newest.
export const ${constant} = defineContract({
  type: '${type}',
  version: ${version},
  description: ${JSON.stringify(before?.description ?? `${type}, version ${version}.`)},
  schema: () => ${prev.constant}.schema,
  examples: ${prev.constant}.examples,
});
export type ${typeName} = z.infer<typeof ${constant}.schema>;
`;
  }
  return `import { defineContract } from './contract.ts';
import * as z from './zod.ts';

export const ${constant} = defineContract({
  type: '${type}',
  version: ${version},
  // Say what happened, in the past tense, for the people who will consume it.
  description: '${type}: describe what happened.',
  // Built the first time it is read: a function that never handles this event never builds it.
  schema: () =>
    z.object({
      /** The id of the thing this event is about. */
      id: z.uuid(),
    }),
  examples: [{ id: '00000000-0000-4000-8000-000000000000' }],
});
export type ${typeName} = z.infer<typeof ${constant}.schema>;
`;
}

/** Check everything, then write the module and its registry lines; returns what was written. */
export function createEvent(root: string, { type, version }: NewEvent): string[] {
  if (!TYPE.test(type)) {
    throw new GeneratorError(
      `"${type}" is not a valid event type: use lowercase dot-separated words, e.g. "invoice.created".`,
    );
  }
  const known = contracts.filter((c) => c.type === type).map((c) => c.version);
  const latest = known.length ? Math.max(...known) : 0;
  const next = version ?? latest + 1;
  if (!Number.isInteger(next) || next < 1) {
    throw new GeneratorError(`--version must be a whole number from 1, not "${version}".`);
  }
  if (latest && version === undefined) {
    throw new GeneratorError(
      `"${type}" exists already (v${latest}); additive changes keep the version, a breaking one is --version ${latest + 1}.`,
    );
  }
  if (next !== latest + 1) {
    throw new GeneratorError(
      latest
        ? `"${type}" is at v${latest}: its next major version is ${latest + 1}, not ${next}.`
        : `"${type}" is new: it starts at version 1, not ${next}.`,
    );
  }

  const { file, constant } = contractNames(type, next);
  const registryFile = path.join(root, 'events', 'registry.ts');
  const indexFile = path.join(root, 'events', 'index.ts');
  const registry = readFileSync(registryFile, 'utf8');
  const listEnd = registry.indexOf('] as const;', registry.indexOf('export const contracts = ['));
  if (listEnd < 0) throw new GeneratorError('events/registry.ts has no `contracts` list.');
  const files: Record<string, string> = {
    [path.join(root, 'events', file)]: moduleSource(type, next, latest ? file : undefined),
    [registryFile]: `import { ${constant} } from './${file}';\n${registry.slice(0, listEnd)}  ${constant},\n${registry.slice(listEnd)}`,
    [indexFile]: `${readFileSync(indexFile, 'utf8')}export * from './${file}';\n`,
  };
  for (const [target, text] of Object.entries(files)) writeFileSync(target, text);
  const written = Object.keys(files).map((target) => path.relative(root, target));
  formatWithBiome(root, written);
  regenerateDocuments(root, ['asyncapi']);
  return [...written, 'events/asyncapi.yaml', 'events/examples/'];
}

const cli = {
  usage: `usage: npm run new:event -- <type> [--version n]
A contract module in events/ to fill in (schema, description, example), its lines in
events/registry.ts and events/index.ts, and the AsyncAPI document regenerated.
  <type>          dot-separated lowercase words (e.g. invoice.created)
  --version n     a new major of an existing type: the next one, the old one stays registered`,
  allowPositionals: true,
  options: { version: { type: 'string' } },
} as const;

function main(): number {
  const { positionals, values } = parseCli(cli);
  const [type] = positionals;
  if (!type) throw new UsageError('Name the event type.');
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}".`);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const version = wholeNumber('version', values.version);
  const written = createEvent(root, { type, version });
  console.log(`Created ${type}:\n${written.map((f) => `  ${f}`).join('\n')}`);
  console.log(`Next:
  1. Write its schema, description and an example in events/${written[0]?.split('/')[1]}.
  2. Say who publishes and consumes it in events/topology.json, then npm run asyncapi.
  3. npm test
  4. Once its schema is settled, npm run contracts:check -- --update records it in
     events/contracts.lock.json; from then on a breaking change to it needs a new major.`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runGenerator(cli, main);
