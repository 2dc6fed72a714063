import { type EventType, eventTypes } from './registry.ts';
import topologyJson from './topology.json' with { type: 'json' };
import * as z from './zod.ts';

const KnownType = z.custom<EventType>(
  (value) => typeof value === 'string' && (eventTypes() as string[]).includes(value),
  { message: 'unknown event type' },
);

const Topology = z.object({
  services: z.record(
    z.string().check(z.regex(/^[a-z][a-z0-9-]*$/)),
    z.object({ publishes: z.array(KnownType), consumes: z.array(KnownType) }),
  ),
});

/** Which service publishes and consumes which event types (validated against the registry). */
export const topology = Topology.parse(topologyJson);
export type ServiceName = keyof typeof topologyJson.services;
