import { v5 as uuidV5 } from 'uuid';

/** Namespace of ids derived from an Idempotency-Key (UUID v5); fixed forever. */
const REQUEST_NAMESPACE = '0b6f8b1e-5d55-4c1a-9f0e-3c5f2d7a9e41';

/**
 * The calculation id and event id of a request with an Idempotency-Key: the same for a retry of
 * it, so a request re-executed after a crash republishes the same event (deduplicated
 * downstream). With an authenticated caller the key is theirs alone: another caller sending the
 * same key gets other ids, and cannot derive the first one's from the key.
 */
export function requestIds(key: string, caller?: string) {
  const scope = caller === undefined ? key : `${caller}\n${key}`;
  return {
    calculationId: uuidV5(`calculation ${scope}`, REQUEST_NAMESPACE),
    eventId: uuidV5(`event ${scope}`, REQUEST_NAMESPACE),
  };
}
