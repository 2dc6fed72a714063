import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { idempotencyDynamoClient } from './aws/clients.ts';
import type { IdempotencyRecords } from './consumer.ts';

/**
 * `createConsumer({ idempotency: idempotencyTable })`: the handler runs once per event id — a
 * Powertools idempotency record per consumer and event id, in DynamoDB (IDEMPOTENCY_TABLE). A
 * repeat while the first run is in progress throws IdempotencyAlreadyInProgressError (transient:
 * the record is retried); a repeat after it is answered from the record without running the handler.
 *
 * Powertools' function wrapper, not its Middy middleware: the middleware's onError deleted the
 * record of a run it had refused as a duplicate — the lock of the run still in progress — so a
 * third copy ran the handler again (powertools-lambda-typescript#5675, fixed after 2.35.0). The
 * wrapper deletes a record only when the function it acquired it for throws.
 *
 * A module of its own, imported by the workers that keep records: a consumer whose effects are
 * idempotent on their own (`idempotency: 'handler'`) does not bundle Powertools Idempotency
 * (~45 KB of minified code).
 */
export const idempotencyTable: IdempotencyRecords = {
  kind: 'table',
  wrap: (fn, { tableName, expiresAfterSeconds, keyPrefix }) =>
    makeIdempotent(fn, {
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName,
        awsSdkV3Client: idempotencyDynamoClient(),
      }),
      config: new IdempotencyConfig({
        eventKeyJmesPath: 'id',
        throwOnNoIdempotencyKey: true,
        expiresAfterSeconds,
      }),
      keyPrefix,
    }),
};
