import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { describe, expect, it } from 'vitest';
import { ContractViolation } from '../../events/contract-violation.ts';
import { currentContract, type EventType, parseEvent } from '../../events/registry.ts';
import { freshData, poisonBody } from './drive.ts';
import { consumersUnderTest, recordKey } from './subjects.ts';

// The engine's pure parts, for whatever contracts and topology this checkout has.
const consumedTypes = [...new Set(consumersUnderTest().flatMap((c) => c.consumes))] as EventType[];

/** The contract code a consumer answers a raw message body with (MALFORMED_MESSAGE: not JSON). */
function codeOf(body: string): string {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return 'MALFORMED_MESSAGE';
  }
  try {
    parseEvent(input);
    return 'valid';
  } catch (error) {
    return error instanceof ContractViolation ? error.code : String(error);
  }
}

describe('chaos engine', () => {
  it('reads the deployed consumers with what each consumes', () => {
    for (const consumer of consumersUnderTest())
      expect(consumer.consumes.length, consumer.name).toBeGreaterThan(0);
  });

  it.each(consumedTypes)(
    'builds valid %s events with fresh ids from the contract examples',
    (type) => {
      const contract = currentContract(type);
      for (const example of contract.examples) {
        const data = freshData(example);
        expect(contract.schema.safeParse(data).success).toBe(true);
        const uuids = (value: unknown) =>
          JSON.stringify(value).match(
            /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
          ) ?? [];
        for (const id of uuids(data)) expect(uuids(example)).not.toContain(id);
      }
    },
  );

  it('renames one UUID the same way wherever it appears in an example', () => {
    const id = '6f1c1c3e-3f0e-4c55-9d43-0a7a3c1e2b10';
    const data = freshData({ a: id, nested: [{ b: id }], other: 'x' }) as {
      a: string;
      nested: Array<{ b: string }>;
      other: string;
    };
    expect(data.a).not.toBe(id);
    expect(data.nested[0]?.b).toBe(data.a);
    expect(data.other).toBe('x');
  });

  it.each(consumedTypes)(
    'sends poison of %s that a consumer rejects with its contract code',
    (type) => {
      const expected = [
        'MALFORMED_MESSAGE',
        'INVALID_ENVELOPE',
        'UNKNOWN_EVENT_TYPE',
        'INVALID_EVENT_DATA',
      ];
      for (const kind of [0, 1, 2, 3]) {
        const body = poisonBody(kind, type, 'chaos-poison-test-1');
        if (body === undefined) continue; // a contract that accepts a bare string as its data
        expect(codeOf(body)).toBe(expected[kind]);
        expect(body).toContain('chaos-poison-test-1');
      }
    },
  );

  it('names an event id’s idempotency record as Powertools does', () => {
    const layer = new DynamoDBPersistenceLayer({ tableName: 'idempotency' });
    layer.configure({
      config: new IdempotencyConfig({ eventKeyJmesPath: 'id' }),
      keyPrefix: 'orders',
    });
    const eventId = '0b6f3a52-9a59-4e53-a0d4-5f5b6c1d2e3f';
    const powertoolsKey = (
      layer as unknown as { getHashedIdempotencyKey(data: unknown): string }
    ).getHashedIdempotencyKey({ id: eventId });
    expect(recordKey('orders', eventId)).toBe(powertoolsKey);
  });
});
