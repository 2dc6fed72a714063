import { randomBytes } from 'node:crypto';
import { eventTypes } from '../../events/registry.ts';
import { topology } from '../../events/topology.ts';

// Tests of the template's own tooling run in every fork, so they pick names no fork would use
// and take event types from the fork's registry and topology, never from the example domain.

const tag = () => randomBytes(3).toString('hex').replace(/^\d/, 'x');

/** A valid service name no fork has, e.g. `zzprobe-x1b2c3`. */
export const probeServiceName = () => `zzprobe-${tag()}`;

/** A valid event type no fork has, e.g. `zzprobe.x1b2c3`. */
export const probeEventType = () => `zzprobe.${tag()}`;

/** An event type the registry has (the first one), for generators that need an existing type. */
export function registeredType(): string {
  const [type] = eventTypes();
  if (!type) throw new Error('events/registry.ts registers no event type: add one with new:event.');
  return type;
}

/** The services in events/topology.json. */
export const topologyServices = (): string[] => Object.keys(topology.services);
