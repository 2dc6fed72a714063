import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { CloudEvent } from '../../events/cloud-event.ts';

export interface RecordContextOptions {
  logger: Logger;
}

const KEY = 'event';

/** Middy middleware: every log line written while handling a record names its event. */
export const recordContext = ({ logger }: RecordContextOptions): MiddlewareObj => {
  const removeKeys = () => logger.removeKeys([KEY]);
  return {
    before: (request) => {
      const event = request.event as CloudEvent;
      logger.appendKeys({
        [KEY]: {
          id: event.id,
          type: event.type,
          correlationid: event.correlationid,
          causationid: event.causationid,
        },
      });
    },
    after: removeKeys,
    onError: removeKeys,
  };
};
