import type { MiddlewareObj } from '@middy/core';
import type { CloudEvent } from '../../events/cloud-event.ts';
import { enterEvent } from '../event-scope.ts';

/**
 * Middy middleware: the record's scope (shared/event-scope.ts) carries its parsed event from here
 * on, so every log line of the record names it (shared/logger.ts) and every event it publishes
 * continues its lineage — even with its batch-mates handled at the same time.
 */
export const recordContext = (): MiddlewareObj => ({
  before: (request) => {
    enterEvent(request.event as CloudEvent);
  },
});
