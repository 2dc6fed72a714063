// What the chaos engine itself puts on the bus: events of every consumed type built from the
// contracts' examples with fresh ids (some sent twice), and poison of four kinds.
import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import pMap from 'p-map';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract, type EventType } from '../../events/registry.ts';
import { snsClient } from '../../shared/aws/clients.ts';

/** The engine's own events' source. */
export const ENGINE_SOURCE = 'chaos';

export type Publish = (body: string, type: string, source?: string) => Promise<void>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A contract's example with fresh ids: every UUID in it replaced (the same UUID by the same new
 * one), so events built from one example name different entities and never collide.
 */
export function freshData(example: unknown, fresh = () => randomUUID()): unknown {
  const renamed = new Map<string, string>();
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string' && UUID.test(value)) {
      const id = renamed.get(value) ?? fresh();
      renamed.set(value, id);
      return id;
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(example);
}

/** The four kinds of poison, for an event type's queues; undefined when the contract cannot be violated that way. */
export function poisonBody(kind: number, type: string, marker: string): string | undefined {
  const contract = currentContract(type as EventType);
  const envelope = buildCloudEvent(contract, {}, marker);
  switch (kind % 4) {
    case 0:
      return `{"${marker}": `; // malformed JSON
    case 1:
      return JSON.stringify({ hello: marker }); // not a CloudEvent
    case 2:
      return JSON.stringify({ ...envelope, type: `${type}.unknown`, data: {} }); // unknown type
    default:
      // Invalid data: a string where the contract wants its data, if the contract says no to it.
      return contract.schema.safeParse(marker).success
        ? undefined
        : JSON.stringify({ ...envelope, data: marker });
  }
}

/** Publish a message body to the topic with the attributes subscriptions filter on. */
export function busPublisher(topicArn: string): Publish {
  return async (body, type, source = ENGINE_SOURCE) => {
    await snsClient().send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: body,
        MessageAttributes: {
          type: { DataType: 'String', StringValue: type },
          source: { DataType: 'String', StringValue: source },
        },
      }),
    );
  };
}

/**
 * `count` events, the types taking turns, each from its contract's examples in turn with fresh
 * ids (the example itself when the fresh copy would break the contract); a share `duplicates`
 * of them published twice. Each is recorded in `sent` before it is published. Returns how many
 * copies were sent.
 */
export async function driveEngineEvents(options: {
  count: number;
  types: string[];
  duplicates: number;
  concurrency: number;
  publish: Publish;
  sent: Map<string, { type: string; data: unknown }>;
}): Promise<number> {
  const { count, types, duplicates, concurrency, publish, sent } = options;
  let copies = 0;
  await pMap(
    types.length ? Array.from({ length: count }, (_, i) => i) : [],
    async (i) => {
      const type = types[i % types.length] as EventType;
      const contract = currentContract(type);
      const example = contract.examples[Math.floor(i / types.length) % contract.examples.length];
      const candidate = freshData(example);
      const data = contract.schema.safeParse(candidate).success ? candidate : example;
      const event = buildCloudEvent(contract, data, ENGINE_SOURCE);
      sent.set(event.id, { type, data });
      const body = JSON.stringify(event);
      const times = Math.random() < duplicates ? 2 : 1;
      for (let t = 0; t < times; t++) await publish(body, type);
      copies += times - 1;
    },
    { concurrency },
  );
  return copies;
}

/** `count` poison messages, four of each type in turn (each kind once), each with its marker. */
export async function sendPoison(options: {
  count: number;
  types: string[];
  runId: string;
  publish: Publish;
}): Promise<Array<{ marker: string; type: string }>> {
  const { count, types, runId, publish } = options;
  const poison: Array<{ marker: string; type: string }> = [];
  for (let i = 0; i < count; i++) {
    const marker = `chaos-poison-${runId}-${i}`;
    const type = types[Math.floor(i / 4) % types.length] as string;
    const body = poisonBody(i, type, marker) ?? poisonBody(0, type, marker);
    await publish(body as string, type);
    poison.push({ marker, type });
  }
  return poison;
}
