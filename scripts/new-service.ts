#!/usr/bin/env tsx
// `npm run new:service -- <name> --consumes <type,...> [--publishes <type,...>]`: a new queue
// consumer — its folder (worker wiring, business code, a unit test), its line in
// events/topology.json and its entry under custom.consumers in serverless.yml (from which the
// event-consumers plugin builds its queue, DLQ, subscription, role and function). It checks
// everything first and changes nothing when any check fails.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventTypes } from '../events/registry.ts';
import { exitWithUsage, parseCli, UsageError } from './lib/cli.ts';
import {
  addHttpEntries,
  apiSource,
  apiTestSource,
  publishableWithId,
  routesE2eSource,
  routesSource,
} from './lib/new-service-http.ts';
import { camelCase as camel } from './serverless/case.ts';

/** A refusal: one sentence for the user, nothing changed. */
export class GeneratorError extends Error {
  override name = 'GeneratorError';
}

/** Run a generator's CLI: a refusal prints its sentence and exits 1; a usage error its sentence and the usage (exit 2). */
export function runGenerator(usage: { usage: string }, main: () => number): void {
  try {
    process.exit(main());
  } catch (error) {
    if (error instanceof UsageError) exitWithUsage(usage, error.message);
    if (!(error instanceof GeneratorError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

export interface NewService {
  name: string;
  consumes: string[];
  publishes: string[];
  /** Create and read routes with their own table (scripts/lib/new-service-http.ts). */
  http?: boolean;
  table?: boolean;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const typeList = (types: string[]) => types.map((t) => `'${t}'`).join(', ');

function workerSource({ name, consumes, publishes }: NewService): string {
  if (publishes.length === 0) {
    return `import { createConsumer } from '../../shared/consumer.ts';
import { idempotencyTable } from '../../shared/idempotency-table.ts';
import { handle } from './handle.ts';

/** ${consumes.join(', ')} → ${name}'s business rule (handle.ts). */
export const handler = createConsumer({
  name: '${name}',
  accepts: [${typeList(consumes)}], // = its \`consumes\` in events/topology.json
  // A record per event id keeps a repeat from running handle twice. When every effect of handle
  // is idempotent on its own, say 'handler' here and in custom.consumers (one dependency less).
  idempotency: idempotencyTable,
  handle: (event) => handle(event),
});
`;
  }
  return `import { consumerConfigShape, loadConfig, publisherConfigShape } from '../../shared/config.ts';
import { createConsumer } from '../../shared/consumer.ts';
import { idempotencyTable } from '../../shared/idempotency-table.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { handle } from './handle.ts';

// A consumer's variables and a publisher's, parsed once at cold start (createConsumer gets them).
const config = loadConfig({ ...consumerConfigShape, ...publisherConfigShape });
const publisher = createPublisher({ topicArn: config.EVENTS_TOPIC_ARN, source: config.SERVICE_NAME });

/** ${consumes.join(', ')} → ${name}'s business rule (handle.ts), which may publish ${publishes.join(', ')}. */
export const handler = createConsumer({
  name: '${name}',
  accepts: [${typeList(consumes)}], // = its \`consumes\` in events/topology.json
  // A record per event id keeps a repeat from running handle twice. When every effect of handle
  // is idempotent on its own, say 'handler' here and in custom.consumers (one dependency less).
  idempotency: idempotencyTable,
  config,
  handle: (event) => handle(event, { publisher }),
});
`;
}

function handleSource({ name, consumes, publishes }: NewService): string {
  const deps = publishes.length > 0;
  return `import type { EventOf } from '../../events/registry.ts';
import { createLogger } from '../../shared/logger.ts';
${deps ? "import type { Publisher } from '../../shared/publisher.ts';\n" : ''}
const logger = createLogger('${name}');

export type Accepted = EventOf<${consumes.map((t) => `'${t}'`).join(' | ')}>;
${deps ? "\nexport interface Dependencies {\n  publisher: Pick<Publisher, 'publish'>;\n}\n" : ''}
/**
 * ${name}'s business rule for one event, already parsed and validated (\`event.data\` is typed).
 * Throw PermanentError (shared/errors.ts) for what can never succeed: the event goes to the DLQ
 * with its reason. Anything else thrown is retried on the consumer's schedule.
 */
export async function handle(event: Accepted${deps ? ', _dependencies: Dependencies' : ''}): Promise<void> {
  logger.info('Event received', { type: event.type, id: event.id });
  // Your code here.${deps ? ` Publish what happened (name the parameter \`{ publisher }\`), e.g.:\n  // await publisher.publish('${publishes[0]}', { … });` : ''}
}
`;
}

function testSource({ consumes, publishes }: NewService): string {
  const deps = publishes.length > 0;
  return `import { describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { type Accepted, handle } from './handle.ts';

// One example event of each type the service consumes, built from the contract's own examples.
const examples = ([${typeList(consumes)}] as const).map(
  (type) =>
    buildCloudEvent(currentContract(type), currentContract(type).examples[0], 'test') as Accepted,
);

describe('handle', () => {
  it.each(examples.map((event) => [event.type, event] as const))('handles %s', async (_, event) => {
${
  deps
    ? `    const published: unknown[] = [];
    const publisher = { publish: async (...args: unknown[]) => published.push(args) };
    await expect(handle(event, { publisher } as never)).resolves.toBeUndefined();
    // Replace with what your rule must publish for this event.
    expect(published).toEqual([]);`
    : '    await expect(handle(event)).resolves.toBeUndefined();'
}
  });
});
`;
}

/** The lines added under custom.consumers in serverless.yml. */
function consumerEntry({ name, publishes }: NewService): string {
  return [
    `    ${name}:`,
    `      handler: services/${name}/worker.handler`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless Framework variable
    '      retry: ${param:shortRetry}',
    '      idempotency: table # as its worker says (idempotencyTable)',
    ...(publishes.length ? ['      publishes: true'] : []),
  ].join('\n');
}

/** serverless.yml with the entry appended to the custom.consumers block (comments kept). */
export function addConsumerEntry(yaml: string, service: NewService): string {
  const lines = yaml.split('\n');
  const empty = lines.indexOf('  consumers: {}'); // left so by remove:examples
  if (empty >= 0) lines[empty] = '  consumers:';
  const start = lines.indexOf('  consumers:');
  if (start < 0) throw new GeneratorError('serverless.yml has no custom.consumers block.');
  let end = start + 1;
  while (end < lines.length && (lines[end] === '' || /^ {4}/.test(lines[end] ?? ''))) end++;
  while (lines[end - 1] === '') end--;
  if (lines.slice(start + 1, end).some((line) => line === `    ${service.name}:`)) {
    throw new GeneratorError(`serverless.yml already has a consumer named "${service.name}".`);
  }
  lines.splice(end, 0, consumerEntry(service));
  return lines.join('\n');
}

/** Check everything, then write every file; returns what was written. */
export function createService(root: string, service: NewService): string[] {
  const { name, consumes, publishes } = service;
  if (!NAME.test(name)) {
    throw new GeneratorError(
      `"${name}" is not a valid service name: use lowercase letters, digits and single hyphens, starting with a letter (e.g. "invoicing").`,
    );
  }
  if (name === 'outbox' || name.endsWith('-outbox')) {
    throw new GeneratorError(
      `"${name}" ends in "outbox", which names a table's outbox relay (its DLQ is <table>-outbox in npm run dlq): pick another name.`,
    );
  }
  const dir = path.join(root, 'services', name);
  const topologyFile = path.join(root, 'events', 'topology.json');
  const topology = JSON.parse(readFileSync(topologyFile, 'utf8'));
  if (existsSync(dir) || topology.services[name]) {
    throw new GeneratorError(`A service named "${name}" exists already (services/${name}).`);
  }
  if (service.table && !service.http)
    throw new GeneratorError(
      '--table goes with --http: the table is what its routes create and read.',
    );
  if (service.http && !service.table)
    throw new GeneratorError(
      'An HTTP service reads back what it creates: add --table (its own table, and with --publishes its outbox).',
    );
  if (consumes.length === 0 && !service.http) {
    throw new GeneratorError(
      'Say which event types the service consumes: --consumes <type,...> (or make it an HTTP service: --http --table).',
    );
  }
  const known = eventTypes() as string[];
  const unknown = [...consumes, ...publishes].filter((t) => !known.includes(t));
  if (unknown.length) {
    throw new GeneratorError(
      `Unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `"${t}"`).join(', ')}: known are ${known.join(', ')} (npm run new:event adds one).`,
    );
  }
  if (service.http) {
    const unpublishable = publishes.filter((t) => !publishableWithId(t));
    if (unpublishable.length)
      throw new GeneratorError(
        `A generated create publishes events whose data is the item's { id } (as npm run new:event makes a type); ${unpublishable.map((t) => `"${t}"`).join(', ')} need${unpublishable.length > 1 ? '' : 's'} more: leave it out and publish it in services/${name}/api.ts yourself.`,
      );
  }
  const serverlessFile = path.join(root, 'serverless.yml');
  let yaml = readFileSync(serverlessFile, 'utf8');
  if (consumes.length) yaml = addConsumerEntry(yaml, service);
  if (service.http) {
    try {
      yaml = addHttpEntries(yaml, service);
    } catch (error) {
      throw new GeneratorError((error as Error).message);
    }
  }

  topology.services[name] = { publishes, consumes };
  const files: Record<string, string> = {
    ...(consumes.length
      ? {
          [path.join(dir, 'worker.ts')]: workerSource(service),
          [path.join(dir, 'handle.ts')]: handleSource(service),
          [path.join(dir, 'handle.test.ts')]: testSource(service),
        }
      : {}),
    ...(service.http
      ? {
          [path.join(dir, 'routes.ts')]: routesSource(service),
          [path.join(dir, 'api.ts')]: apiSource(service),
          [path.join(dir, 'api.test.ts')]: apiTestSource(service),
          [path.join(root, 'test', 'e2e', `${name}-api.test.ts`)]: routesE2eSource(service),
        }
      : {}),
    [topologyFile]: `${JSON.stringify(topology, null, 2)}\n`,
    [serverlessFile]: yaml,
  };
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(file, text);
  const written = Object.keys(files).map((file) => path.relative(root, file));
  formatWithBiome(
    root,
    written.filter((file) => !file.endsWith('.yml')),
  );
  // The AsyncAPI document says who consumes what; the OpenAPI document follows routes.
  regenerateDocuments(root, service.http ? ['asyncapi', 'openapi'] : ['asyncapi']);
  return written;
}

/** The generated documents, by the script that writes each. */
const GENERATED_DOCUMENTS = {
  asyncapi: 'scripts/generate-events.ts',
  openapi: 'scripts/generate-openapi.ts',
} as const;

/**
 * Regenerate `documents` in `root` (`npm run asyncapi`, `npm run openapi`), in fresh processes that
 * see the files just written. Event and consumer changes need only the AsyncAPI document; the
 * OpenAPI document follows routes, which only `remove:examples` changes. A generator's failure is
 * a GeneratorError with its own sentence (a route not yet declared, a broken contract), not a trace.
 */
export function regenerateDocuments(
  root: string,
  documents: Array<keyof typeof GENERATED_DOCUMENTS>,
): void {
  for (const document of documents) {
    try {
      execFileSync(
        path.join(root, 'node_modules', '.bin', 'tsx'),
        [GENERATED_DOCUMENTS[document]],
        {
          cwd: root,
          stdio: ['ignore', 'ignore', 'pipe'],
          encoding: 'utf8',
        },
      );
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
      throw new GeneratorError(
        `The files are written, but \`npm run ${document}\` failed; fix this and run it again:\n${stderr || (error as Error).message}`,
      );
    }
  }
}

/** Leave generated files as `npm run lint` wants them (formatted, imports sorted). */
export function formatWithBiome(root: string, files: string[]): void {
  execFileSync(path.join(root, 'node_modules', '.bin', 'biome'), ['check', '--write', ...files], {
    cwd: root,
    stdio: 'ignore',
  });
}

const cli = {
  usage: `usage: npm run new:service -- <name> --consumes <type,...> [--publishes <type,...>]
       npm run new:service -- <name> --http --table [--publishes <type,...>] [--consumes <type,...>]
A queue consumer: services/<name>/ (worker, business rule, its test), its line in
events/topology.json and its four lines under custom.consumers in serverless.yml.
With --http --table, an HTTP service: create and read routes (routes.ts, api.ts, a unit test,
test/e2e/<name>-api.test.ts), its function, role and table in serverless.yml, openapi.yaml
regenerated; what it --publishes is written with each create in one transaction (the outbox).
  <name>                 lowercase letters, digits and single hyphens (e.g. invoicing)
  --consumes <types>     the event types it takes, comma-separated (npm run publish lists them)
  --publishes <types>    the event types it may publish
  --http                 an HTTP service (POST /<name>, GET /<name>/{id})
  --table                its own table (custom.tables), required with --http`,
  allowPositionals: true,
  options: {
    consumes: { type: 'string' },
    publishes: { type: 'string' },
    http: { type: 'boolean', default: false },
    table: { type: 'boolean', default: false },
  },
} as const;

function main(): number {
  const { positionals, values } = parseCli(cli);
  const list = (value?: string) =>
    (value ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  const [name] = positionals;
  if (!name) throw new UsageError('Name the service.');
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}".`);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const service = {
    name,
    consumes: list(values.consumes),
    publishes: list(values.publishes),
    http: values.http,
    table: values.table,
  };
  const written = createService(root, service);
  console.log(`Created service "${name}":\n${written.map((f) => `  ${f}`).join('\n')}`);
  console.log(
    service.http
      ? `Next:
  1. Say what an item holds in services/${name}/routes.ts (New…), and what a create does in api.ts.
  2. npm run openapi after changing routes; npm test, then npm run deploy:local — its function is ${camel(name)}Api.`
      : `Next:
  1. Write the business rule in services/${name}/handle.ts and its test beside it.
  2. Give it what else it touches in serverless.yml → custom.consumers.${name} (environment, statements).
  3. npm test, then npm run deploy:local — its function is ${camel(name)}Worker.`,
  );
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runGenerator(cli, main);
