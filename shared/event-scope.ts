import { AsyncLocalStorage } from 'node:async_hooks';
import { v5 as uuidV5 } from 'uuid';
import type { CloudEvent } from '../events/cloud-event.ts';

interface Scope {
  /** Undefined until the record's body has been parsed into an event. */
  event?: CloudEvent;
  /** How many events of each (source, type) were published while handling `event`. */
  published: Map<string, number>;
}

// The event being handled right now, so that events published while handling it carry its
// correlation id forward and name it as their cause, and log lines name it, without threading
// ids through every call. One scope per record: batch-mates handled concurrently never mix.
const scope = new AsyncLocalStorage<Scope>();

/** Run `fn` in a scope of its own, for one record; `enterEvent` names its event once parsed. */
export const runInRecordScope = <T>(fn: () => T): T => scope.run({ published: new Map() }, fn);

/** The record being handled carries `event` (no-op outside a record scope). */
export function enterEvent(event: CloudEvent): void {
  const current = scope.getStore();
  if (current) current.event = event;
}

export const runInEventScope = <T>(event: CloudEvent, fn: () => T): T =>
  scope.run({ event, published: new Map() }, fn);

export const currentEvent = (): CloudEvent | undefined => scope.getStore()?.event;

/** Namespace of derived event ids (UUID v5); any fixed UUID works, it only has to stay fixed. */
const DERIVED_EVENT_NAMESPACE = '7b1d4c55-3f5a-4f0e-9a57-6f0f2b1c9e21';

/**
 * The id of the next event of `type` published by `source` while handling the current event, or
 * undefined outside a handler. Deterministic: when a handler is retried after it already
 * published (a timeout, a failed idempotency write), its events get the same ids again, so
 * downstream consumers' idempotency drops the copies.
 */
export function nextDerivedEventId(source: string, type: string): string | undefined {
  const current = scope.getStore();
  if (!current?.event) return undefined;
  const key = `${source} ${type}`;
  const n = (current.published.get(key) ?? 0) + 1;
  current.published.set(key, n);
  return uuidV5(`${current.event.id} ${key} ${n}`, DERIVED_EVENT_NAMESPACE);
}
