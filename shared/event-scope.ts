import { AsyncLocalStorage } from 'node:async_hooks';
import { v5 as uuidV5 } from 'uuid';
import type { CloudEvent } from '../events/cloud-event.ts';
import { PermanentError } from './errors.ts';

/** The key of a publish that names none: its type may be published once per handled event. */
const NO_KEY = Symbol('no key');

interface Scope {
  /** Undefined until the record's body has been parsed into an event. */
  event?: CloudEvent;
  /** The keys already used per `source type` while handling `event`. */
  published: Map<string, Set<string | typeof NO_KEY>>;
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
 * The id of the event of `type` that `source` publishes about `key` while handling the current
 * event (undefined outside a handler): UUID v5 of the handled event's id, source, type and key
 * (the type itself when none is given). It names what the event is about, never when it was
 * published, so a retried handler republishes each event under its id of the first attempt
 * whatever succeeded or failed before, and downstream idempotency drops the copies.
 * A type published more than once per handled event needs a distinct key on every publish:
 * anything else would give two events one id, so it throws (a PermanentError: a programming
 * error, no retry helps).
 */
export function claimDerivedEventId(
  source: string,
  type: string,
  key?: string,
): string | undefined {
  const current = scope.getStore();
  if (!current?.event) return undefined;
  const name = `${source} ${type}`;
  const used = current.published.get(name) ?? new Set();
  // Without a key a type may be published once; with one, once per key and never beside none.
  const taken = key === undefined ? used.size > 0 : used.has(key) || used.has(NO_KEY);
  if (taken) {
    throw new PermanentError(
      'DERIVED_EVENT_ID_TAKEN',
      `${type} published again while handling event ${current.event.id}${key === undefined ? ' without a key' : ` with key "${key}", already used or beside a publish without one`}: pass a key of its own to every publish of ${type} in one handled event (e.g. the target's name), so that each gets its own id`,
    );
  }
  current.published.set(name, used.add(key ?? NO_KEY));
  return uuidV5(
    JSON.stringify([current.event.id, source, type, key ?? type]),
    DERIVED_EVENT_NAMESPACE,
  );
}

/** Give back an id whose event was never sent, so the same publish may be tried again. */
export function releaseDerivedEventId(source: string, type: string, key?: string): void {
  scope
    .getStore()
    ?.published.get(`${source} ${type}`)
    ?.delete(key ?? NO_KEY);
}
