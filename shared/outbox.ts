// The transactional outbox: a service that owns state writes a change and the events it causes
// in one DynamoDB transaction, so there is never an event without its write nor a write without
// its events — the dual write of write-then-publish is gone. Each event is validated against its
// contract and its id, time and lineage fixed before the write (the same preparation a publish
// makes: shared/publisher.ts). The table's stream carries each outbox item to the relay
// (shared/outbox-relay.ts), which publishes it to the topic with that id, at least once.
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CloudEvent } from '../events/cloud-event.ts';
import { documentClient } from './aws/clients.ts';
import { type PublishItem, prepareAll } from './publisher.ts';

/** One state change of the transaction, as lib-dynamodb's TransactWrite takes it. */
export type Change = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The `kind` of an outbox item: the relay's event source mapping lets only these through. */
export const OUTBOX_KIND = 'outbox';
/** DynamoDB's limit of items per transaction, changes and events together. */
export const MAX_TRANSACTION_ITEMS = 100;
/** How long an outbox item stays after it is written: longer than the relay's DLQ keeps letters. */
export const OUTBOX_KEEP_SECONDS = 15 * 24 * 3600;

export interface OutboxOptions {
  tableName: string;
  /** The table's partition key attribute, and its sort key when it has one. */
  partitionKey: string;
  sortKey?: string;
  /** The table's TTL attribute: outbox items expire (epoch seconds). */
  ttlAttribute: string;
  /** CloudEvents `source` of the events: the service. */
  source: string;
  now?: () => Date;
}

/** What an outbox item holds besides its key and expiry: all the relay and a redrive read. */
export interface OutboxItem {
  kind: typeof OUTBOX_KIND;
  type: string;
  source: string;
  eventId: string;
  /** The CloudEvent as it is published, serialized at write time. */
  body: string;
  /** When it was written (ISO 8601): a redrive finds the items of a failed batch by it. */
  writtenAt: string;
}

/** The outbox item of one prepared event: its own key, never a state item's. */
export function outboxItem(
  options: OutboxOptions,
  event: CloudEvent,
  body: string,
  now: Date,
): Record<string, unknown> {
  const key = `${OUTBOX_KIND}#${event.id}`;
  const item: OutboxItem = {
    kind: OUTBOX_KIND,
    type: event.type,
    source: event.source,
    eventId: event.id,
    body,
    writtenAt: now.toISOString(),
  };
  return {
    [options.partitionKey]: key,
    ...(options.sortKey ? { [options.sortKey]: key } : {}),
    ...item,
    [options.ttlAttribute]: Math.floor(now.getTime() / 1000) + OUTBOX_KEEP_SECONDS,
  };
}

export function createOutbox(options: OutboxOptions) {
  const now = options.now ?? (() => new Date());
  /**
   * Write `changes` and `events` in one transaction; returns the events as they will be
   * published. Nothing is written when an event is invalid, and nothing published when the
   * transaction fails. An outbox item is written only if absent: a retried handler re-deriving
   * the same event ids cancels its whole transaction rather than writing its events twice.
   */
  async function write(changes: Change[], events: PublishItem[]): Promise<CloudEvent[]> {
    if (changes.length + events.length > MAX_TRANSACTION_ITEMS)
      throw new RangeError(
        `A transaction holds at most ${MAX_TRANSACTION_ITEMS} items: ${changes.length} changes and ${events.length} events are too many.`,
      );
    const prepared = prepareAll(events, options.source);
    const at = now();
    try {
      await documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            ...changes,
            ...prepared.map(
              (p): Change => ({
                Put: {
                  TableName: options.tableName,
                  Item: outboxItem(options, p.event, p.body, at),
                  ConditionExpression: 'attribute_not_exists(#key)',
                  ExpressionAttributeNames: { '#key': options.partitionKey },
                },
              }),
            ),
          ],
        }),
      );
    } catch (error) {
      for (const p of prepared) p.unsent();
      throw error;
    }
    return prepared.map((p) => p.event);
  }
  return { write };
}

export type Outbox = ReturnType<typeof createOutbox>;
