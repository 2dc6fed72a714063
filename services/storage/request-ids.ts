import { createHash, randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../../shared/aws/clients.ts';

export interface RequestIds {
  calculationId: string;
  eventId: string;
}

/** What a request's ids are kept under: its caller (on an authenticated API), key and body. */
export interface KeyedRequest {
  caller?: string;
  key: string;
  body: string;
}

const DAY_SECONDS = 24 * 60 * 60;

/**
 * The ids of a request with an Idempotency-Key: random the first time, then kept under its caller,
 * key and body for a day (another body is another calculation, even once the answer's record
 * expired). Random, never derived from the key: on a public API whoever guessed a key could
 * compute the id and read the result.
 *
 * Chosen once, for good: the first conditional put wins and every later run reads its ids. Not a
 * Powertools record: one of those may be taken over once its invocation's time is up, so a run
 * that outlived it (a call held in the network past the timeout) and the client's retry would
 * each write a calculation under ids of their own — the chaos run caught one. Kept apart from the
 * answer, which is stored only once the request is done: a request re-executed after a crash
 * between its write and storing its answer finds its calculation written under the same id, and
 * writes nothing twice. In the idempotency table, under the role's `storage-api#*` leading keys.
 */
export function createRequestIds(tableName: string) {
  const client = dynamoClient();
  return async function reserveIds(request: KeyedRequest): Promise<RequestIds> {
    const digest = createHash('sha256').update(JSON.stringify(request)).digest('base64url');
    const id = { S: `storage-api#ids#${digest}` };
    const now = Math.floor(Date.now() / 1000);
    const fresh = { calculationId: randomUUID(), eventId: randomUUID() };
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            id,
            calculationId: { S: fresh.calculationId },
            eventId: { S: fresh.eventId },
            // The table's TTL attribute (Powertools' name); an expired record is anyone's.
            expiration: { N: String(now + DAY_SECONDS) },
          },
          ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
      return fresh;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }),
    );
    const calculationId = Item?.calculationId?.S;
    const eventId = Item?.eventId?.S;
    // Gone between the two calls (expired and deleted): the client's retry reserves anew.
    if (!calculationId || !eventId) throw new Error(`The ids of ${id.S} vanished; retry`);
    return { calculationId, eventId };
  };
}
