#!/usr/bin/env tsx
// `npm run asyncapi`: writes events/asyncapi.yaml and events/examples/*.json from the registry,
// and the Mermaid diagram in README.md (between the topology markers) from events/topology.json.
// All are checked in; a unit test fails when they are stale. The generators (new:service,
// new:event, remove:examples) run this after every change, so none of them can drift.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { v5 as uuidV5 } from 'uuid';
import { stringify } from 'yaml';
import * as z from 'zod';
import { type CloudEvent, CloudEventEnvelope } from '../events/cloud-event.ts';
import type { EventContract } from '../events/contract.ts';
import { contracts } from '../events/registry.ts';
import { topology } from '../events/topology.ts';
import { parseCli, runMain } from './lib/cli.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const asyncApiPath = path.join(root, 'events', 'asyncapi.yaml');
export const examplesDir = path.join(root, 'events', 'examples');
export const readmePath = path.join(root, 'README.md');

const messageKey = (c: EventContract) => `${c.type}.v${c.version}`;

/** Any fixed UUID: examples get name-based (v5) ids, so files only change when contracts do. */
const EXAMPLES_NAMESPACE = '0e9f3c2a-6d1b-4f7e-8a5c-3b2d1e0f9a87';
const stableUuid = (seed: string): string => uuidV5(seed, EXAMPLES_NAMESPACE);

export function exampleEvent(contract: EventContract, index: number): CloudEvent {
  const id = stableUuid(`${messageKey(contract)}#${index}`);
  const producer = Object.entries(topology.services).find(([, s]) =>
    (s.publishes as string[]).includes(contract.type),
  )?.[0];
  return {
    specversion: '1.0',
    id,
    source: producer ?? 'example',
    type: contract.type,
    time: '2026-01-01T00:00:00.000Z',
    datacontenttype: 'application/json',
    dataschema: contract.dataschema,
    correlationid: stableUuid(`correlation#${index}`),
    data: contract.schema.parse(contract.examples[index]),
  };
}

// AsyncAPI's default schema format is a superset of JSON Schema draft-07; document what producers may send.
const jsonSchemaOptions = { io: 'input', target: 'draft-7' } as const;

/** A contract's `data` as JSON Schema (draft-07, what producers may send), without `$schema`. */
export function dataSchema(contract: EventContract): Record<string, unknown> {
  const { $schema: _, ...schema } = z.toJSONSchema(contract.schema, jsonSchemaOptions);
  return schema;
}

/** The envelope's JSON Schema with `data` replaced by the contract's (what producers must send). */
function payloadSchema(contract: EventContract) {
  const envelope = z.toJSONSchema(CloudEventEnvelope, jsonSchemaOptions) as Record<string, unknown>;
  const properties = envelope.properties as Record<string, unknown>;
  return {
    ...envelope,
    $schema: undefined,
    properties: {
      ...properties,
      type: { const: contract.type },
      dataschema: { const: contract.dataschema },
      data: dataSchema(contract),
    },
    required: [...new Set([...((envelope.required as string[]) ?? []), 'data'])],
  };
}

const channelRef = (name: string) => ({ $ref: `#/channels/${name}` });
const messageRef = (channel: string, key: string) => ({
  $ref: `#/channels/${channel}/messages/${key}`,
});

export function renderAsyncApi(): string {
  const componentsMessages = Object.fromEntries(
    contracts.map((c) => [
      messageKey(c),
      {
        name: c.type,
        title: `${c.type} v${c.version}`,
        summary: c.description,
        contentType: 'application/json',
        headers: {
          type: 'object',
          description: 'SNS message attributes; filter policies match on `type`.',
          properties: { type: { const: c.type }, source: { type: 'string' } },
        },
        payload: payloadSchema(c),
        examples: c.examples.map((_, i) => ({
          name: `example-${i + 1}`,
          payload: exampleEvent(c, i),
        })),
      },
    ]),
  );
  const keysFor = (types: readonly string[]) =>
    contracts.filter((c) => types.includes(c.type)).map((c) => messageKey(c));

  const parameters = {
    service: { description: 'The service name in serverless.yml (`service:`).' },
    stage: { description: 'The deployment stage (`--stage`).' },
  };
  const channels: Record<string, unknown> = {
    events: {
      address: '{service}-{stage}-events',
      parameters,
      title: 'Events topic (SNS)',
      description:
        'The one SNS topic every service publishes to. Raw message delivery to each queue.',
      messages: Object.fromEntries(
        // Every version of every type: a new major is published beside the old one for a while.
        contracts.map((c) => [messageKey(c), { $ref: `#/components/messages/${messageKey(c)}` }]),
      ),
    },
  };
  const operations: Record<string, unknown> = {};
  for (const [service, { publishes, consumes }] of Object.entries(topology.services)) {
    const queue = `${service}Queue`;
    channels[queue] = {
      address: `{service}-{stage}-${service}`,
      parameters,
      title: `${service} queue (SQS, with DLQ)`,
      description: `Subscribed to the events topic with filter policy {"type": ${JSON.stringify(consumes)}}.`,
      messages: Object.fromEntries(
        keysFor(consumes).map((key) => [key, { $ref: `#/components/messages/${key}` }]),
      ),
    };
    if (consumes.length) {
      operations[`${service}Consumes`] = {
        action: 'receive',
        channel: channelRef(queue),
        messages: keysFor(consumes).map((key) => messageRef(queue, key)),
      };
    }
    if (publishes.length) {
      operations[`${service}Publishes`] = {
        action: 'send',
        channel: channelRef('events'),
        messages: keysFor(publishes).map((key) => messageRef('events', key)),
      };
    }
  }

  const document = {
    asyncapi: '3.0.0',
    info: {
      title: 'Event-driven starter: events',
      version: '1.0.0',
      description:
        'Generated by `npm run asyncapi` from events/registry.ts and events/topology.json. Do not edit by hand.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages: componentsMessages },
  };
  return `# Generated by \`npm run asyncapi\`. Do not edit by hand.\n${stringify(JSON.parse(JSON.stringify(document)), { lineWidth: 0 })}`;
}

/** The SQS event a consumer receives for one event on the bus (raw delivery: the body is it). */
export function sqsEventOf(
  event: CloudEvent,
  {
    messageId = randomUUID() as string,
    sentTimestamp = String(Date.now()),
    receiveCount = 1,
  }: { messageId?: string; sentTimestamp?: string; receiveCount?: number } = {},
) {
  return {
    Records: [
      {
        messageId,
        receiptHandle: 'example',
        body: JSON.stringify(event),
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: sentTimestamp,
          SenderId: 'example',
          ApproximateFirstReceiveTimestamp: sentTimestamp,
        },
        messageAttributes: {
          type: { dataType: 'String', stringValue: event.type },
          source: { dataType: 'String', stringValue: event.source },
        },
        md5OfBody: createHash('md5').update(JSON.stringify(event)).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:example',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

/** SQS events wrapping each example, for `npm run invoke -- <consumer> --event <file>`. */
export function renderExamples(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const contract of contracts) {
    contract.examples.forEach((_, i) => {
      const event = exampleEvent(contract, i);
      const sqsEvent = sqsEventOf(event, {
        messageId: stableUuid(`message#${event.id}`),
        sentTimestamp: '1767225600000',
      });
      const name = `${messageKey(contract)}${contract.examples.length > 1 ? `-${i + 1}` : ''}.json`;
      files[name] = `${JSON.stringify(sqsEvent, null, 2)}\n`;
    });
  }
  return files;
}

/** The shape of events/topology.json that the diagram needs. */
export interface TopologyShape {
  services: Record<string, { publishes: readonly string[]; consumes: readonly string[] }>;
}

export const TOPOLOGY_START = '<!-- topology:start -->';
export const TOPOLOGY_END = '<!-- topology:end -->';

/** A Mermaid node id from any service name (ids allow letters, digits and `_` only). */
const nodeId = (kind: string, service: string) =>
  `${kind}_${service.replace(/[^A-Za-z0-9]/g, '_')}`;
/** A quoted Mermaid label; `"` would end it, `<br/>` breaks a line. */
const label = (lines: readonly string[]) =>
  `"${lines.map((l) => l.replaceAll('"', '#quot;')).join('<br/>')}"`;

/**
 * The topology as a Mermaid flowchart: the one topic, each consuming service's queue (with the
 * types its filter policy lets through) and its DLQ, and what each service publishes back.
 * Pure: the same topology always gives the same text.
 */
export function renderTopologyDiagram(topology: TopologyShape): string {
  const lines = ['flowchart LR', `  topic{{${label(['SNS topic: events'])}}}`];
  for (const [service, { publishes, consumes }] of Object.entries(topology.services)) {
    const svc = nodeId('svc', service);
    lines.push(`  ${svc}(${label([service])})`);
    if (consumes.length) {
      const queue = nodeId('queue', service);
      const dlq = nodeId('dlq', service);
      lines.push(
        `  ${queue}[[${label([`${service} queue`])}]]`,
        `  ${dlq}[(${label([`${service} DLQ`])})]`,
        `  topic -->|${label(consumes)}| ${queue}`,
        `  ${queue} --> ${svc}`,
        `  ${queue} -.->|${label(['failed'])}| ${dlq}`,
      );
    }
    if (publishes.length) lines.push(`  ${svc} -->|${label(publishes)}| topic`);
  }
  return `${lines.join('\n')}\n`;
}

/** The README's block between the topology markers, diagram included. */
export function renderTopologyBlock(topology: TopologyShape): string {
  return [
    TOPOLOGY_START,
    '<!-- Generated from events/topology.json by `npm run asyncapi`. Do not edit by hand. -->',
    '```mermaid',
    renderTopologyDiagram(topology).trimEnd(),
    '```',
    TOPOLOGY_END,
  ].join('\n');
}

/** `markdown` with its topology block replaced; unchanged when it has no (complete) markers. */
export function withTopologyBlock(markdown: string, topology: TopologyShape): string {
  const start = markdown.indexOf(TOPOLOGY_START);
  const end = markdown.indexOf(TOPOLOGY_END, start);
  if (start < 0 || end < 0) return markdown;
  return (
    markdown.slice(0, start) +
    renderTopologyBlock(topology) +
    markdown.slice(end + TOPOLOGY_END.length)
  );
}

const cli = {
  usage: `usage: npm run asyncapi
Writes events/asyncapi.yaml, events/examples/*.json (SQS events to invoke a deployed consumer with)
and the README's architecture diagram from the event registry and events/topology.json.
  --help  this text`,
};

function main(): number {
  parseCli(cli);
  writeFileSync(asyncApiPath, renderAsyncApi());
  // A copy without the README (or a README without the markers) simply has no diagram to update.
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : undefined;
  const updated = readme === undefined ? undefined : withTopologyBlock(readme, topology);
  if (updated !== readme && updated !== undefined) writeFileSync(readmePath, updated);
  mkdirSync(examplesDir, { recursive: true });
  for (const old of readdirSync(examplesDir)) rmSync(path.join(examplesDir, old));
  const examples = renderExamples();
  for (const [name, text] of Object.entries(examples))
    writeFileSync(path.join(examplesDir, name), text);
  console.log(
    `wrote ${path.relative(root, asyncApiPath)}, ${Object.keys(examples).length} examples${updated !== readme ? ' and the README diagram' : ''}`,
  );
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]))
  runMain(cli, main);
