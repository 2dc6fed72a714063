import { AsyncLocalStorage } from 'node:async_hooks';
import type { CloudEvent } from '../events/cloud-event.ts';

// The event being handled right now, so that events published while handling it carry its
// correlation id forward and name it as their cause, without threading ids through every call.
const scope = new AsyncLocalStorage<CloudEvent>();

export const runInEventScope = <T>(event: CloudEvent, fn: () => T): T => scope.run(event, fn);

export const currentEvent = (): CloudEvent | undefined => scope.getStore();
