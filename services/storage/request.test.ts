import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from '../../events/zod.ts';

// POST /calculations with Powertools idempotency over an in-memory idempotency table (the
// conditions its DynamoDB layer writes with, no more) and the calculations table's transactions
// mocked: what a client sees of its Idempotency-Key, and what is written to the outbox.
type Item = Record<string, AttributeValue>;
const table = new Map<string, Item>();
const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
/** The calculations written, by id; and every transaction committed. */
const calculations = new Set<string>();
const committed: TransactWriteCommandInput[] = [];
let handler: (event: APIGatewayProxyEventV2, context: unknown) => Promise<unknown>;

beforeAll(async () => {
  vi.stubEnv('SERVICE_NAME', 'storage');
  vi.stubEnv('CALCULATIONS_TABLE', 'calculations');
  vi.stubEnv('IDEMPOTENCY_TABLE', 'idempotency');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  ({ handler } = (await import('./api.ts')) as unknown as { handler: typeof handler });
});

/** `SET #a = :a, …` on the item, as Powertools writes its updates. */
function updateItem(input: UpdateItemCommandInput) {
  const key = input.Key?.id?.S ?? '';
  const item = table.get(key) ?? { ...input.Key };
  for (const assignment of (input.UpdateExpression ?? '').replace(/^SET /, '').split(', ')) {
    const [name = '', value = ''] = assignment.split(' = ');
    const attribute = input.ExpressionAttributeValues?.[value];
    if (attribute) item[input.ExpressionAttributeNames?.[name] ?? name] = attribute;
  }
  table.set(key, item);
  return {};
}

beforeEach(() => {
  table.clear();
  dynamo.reset();
  documents.reset();
  calculations.clear();
  committed.length = 0;
  dynamo.on(PutItemCommand).callsFake(({ Item }: { Item: Item }) => {
    const key = Item.id?.S ?? '';
    const old = table.get(key);
    const now = Date.now();
    const free =
      !old ||
      Number(old.expiration?.N) < now / 1000 ||
      (old.status?.S === 'INPROGRESS' && Number(old.in_progress_expiration?.N) < now);
    if (!free)
      throw new ConditionalCheckFailedException({ message: 'taken', $metadata: {}, Item: old });
    table.set(key, Item);
    return {};
  });
  dynamo.on(UpdateItemCommand).callsFake(updateItem);
  dynamo.on(GetItemCommand).callsFake(({ Key }) => ({ Item: table.get(Key.id.S) }));
  dynamo.on(DeleteItemCommand).callsFake(({ Key }) => {
    table.delete(Key.id.S);
    return {};
  });
  // The calculation's Put is only if its id is new: a transaction that finds it is cancelled.
  documents.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    const id = String(input.TransactItems?.[0]?.Put?.Item?.calculationId);
    if (calculations.has(id))
      throw new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      });
    calculations.add(id);
    committed.push(input);
    return {};
  });
});

const body = JSON.stringify({ operation: 'add', a: '1', b: '2' });

/** POST /calculations as API Gateway passes it on: `claims` when a JWT authorizer verified one. */
const post = async ({ key, claims }: { key?: string; claims?: Record<string, unknown> }) =>
  (await handler(
    {
      version: '2.0',
      routeKey: 'POST /calculations',
      rawPath: '/calculations',
      headers: {
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body,
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/calculations' },
        ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
      },
    } as unknown as APIGatewayProxyEventV2,
    { getRemainingTimeInMillis: () => 10_000, functionName: 'storage-api' },
  )) as APIGatewayProxyStructuredResultV2;

const accepted = (response: APIGatewayProxyStructuredResultV2) => {
  expect(response.statusCode).toBe(202);
  const { calculationId } = JSON.parse(response.body ?? '{}') as { calculationId: string };
  expect(response.headers?.Location).toBe(`/calculations/${calculationId}`);
  return calculationId;
};

/** The calculation.requested events written to the outbox, whole. */
const outboxEvents = () =>
  committed.flatMap((t) =>
    (t.TransactItems ?? [])
      .map((item) => item.Put?.Item)
      .filter((item) => item?.kind === 'outbox')
      .map(
        (item) => JSON.parse(String(item?.body)) as { id: string; data: Record<string, unknown> },
      ),
  );
/** … and their data. */
const requested = () => outboxEvents().map((event) => event.data);

describe('POST /calculations', () => {
  it('answers a repeat with the same Idempotency-Key with the same id and Location, and starts one calculation', async () => {
    const first = await post({ key: 'k-1', claims: { sub: 'alice' } });
    const again = await post({ key: 'k-1', claims: { sub: 'alice' } });
    expect(again.headers?.Location).toBe(first.headers?.Location);
    expect(accepted(again)).toBe(accepted(first));
    expect(requested().map((data) => data.calculationId)).toEqual([accepted(first)]);
  });

  it('writes the pending calculation and its calculation.requested in one transaction', async () => {
    const id = accepted(await post({ key: 'k-1', claims: { sub: 'alice' } }));
    const [transaction] = committed;
    const [calculation, event] = transaction?.TransactItems ?? [];
    expect(calculation?.Put?.Item).toMatchObject({
      calculationId: id,
      status: 'pending',
      operation: 'add',
      owner: 'alice',
    });
    expect(event?.Put?.Item).toMatchObject({ kind: 'outbox', type: 'calculation.requested' });
    expect(requested()).toEqual([
      { calculationId: id, operation: 'add', a: '1', b: '2', owner: 'alice' },
    ]);
  });

  it('gives ids nobody can compute from the key: the same key on two fresh tables is two random ids', async () => {
    const first = accepted(await post({ key: 'k-guessable' }));
    table.clear();
    const second = accepted(await post({ key: 'k-guessable' }));
    expect(second).not.toBe(first);
    for (const id of [first, second]) expect(z.uuidv4().safeParse(id).success).toBe(true);
  });

  it("scopes a key to its caller's sub: bob's request with alice's key is his own calculation", async () => {
    const alice = accepted(await post({ key: 'k-1', claims: { sub: 'alice' } }));
    const bob = accepted(await post({ key: 'k-1', claims: { sub: 'bob' } }));
    expect(bob).not.toBe(alice);
    expect(requested()).toEqual([
      expect.objectContaining({ calculationId: alice, owner: 'alice' }),
      expect.objectContaining({ calculationId: bob, owner: 'bob' }),
    ]);
  });

  it('shares a key among all callers on a public API (no authorizer): the first answer is everyone’s', async () => {
    const first = accepted(await post({ key: 'k-1' }));
    expect(accepted(await post({ key: 'k-1' }))).toBe(first);
    expect(requested()).toHaveLength(1);
  });

  it("refuses a JWT without sub (401) without reading or claiming the key's record", async () => {
    const alice = accepted(await post({ key: 'k-1', claims: { sub: 'alice' } }));
    const stored = structuredClone([...table]);
    for (const claims of [{}, { sub: '' }]) {
      const refused = await post({ key: 'k-1', claims });
      expect(refused.statusCode).toBe(401);
      expect(refused.headers?.['content-type']).toBe('application/problem+json');
      expect(refused.body).not.toContain(alice);
    }
    expect(requested()).toHaveLength(1);
    expect([...table]).toEqual(stored);
  });

  it('writes nothing twice when re-run after a crash between its write and storing its answer', async () => {
    // The answer's record is never marked done, as when the function dies after the write.
    dynamo.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => {
      if (!input.Key?.id?.S?.startsWith('storage-api#ids#')) throw new Error('killed');
      return updateItem(input);
    });
    expect((await post({ key: 'k-1', claims: { sub: 'alice' } })).statusCode).toBe(500);
    // Its in-progress record expires with the invocation; the client's retry runs it again, and
    // its transaction finds the calculation written under the same reserved id.
    for (const item of table.values())
      if (item.status?.S === 'INPROGRESS') item.in_progress_expiration = { N: '0' };
    dynamo.on(UpdateItemCommand).callsFake(updateItem);
    const id = accepted(await post({ key: 'k-1', claims: { sub: 'alice' } }));
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(requested().map((data) => data.calculationId)).toEqual([id]);
  });

  it('starts one calculation when a run outlives its invocation and the client retried meanwhile', async () => {
    // Run 1 is held at its first call after its ids record exists (a call held in the network
    // past the timeout); its in-progress records expire, as with the invocation's time.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = true;
    const holdOnce = async () => {
      const ids = [...table.keys()].some((key) => key.startsWith('storage-api#ids#'));
      if (!(holding && ids)) return;
      holding = false;
      for (const item of table.values())
        if (item.status?.S === 'INPROGRESS') item.in_progress_expiration = { N: '0' };
      await held;
    };
    dynamo.on(UpdateItemCommand).callsFake(async (input: UpdateItemCommandInput) => {
      await holdOnce();
      return updateItem(input);
    });
    const first = post({ key: 'k-1', claims: { sub: 'alice' } });
    await vi.waitFor(() => expect(holding).toBe(false));
    // The client's retry runs to the end while run 1 is held …
    const retried = accepted(await post({ key: 'k-1', claims: { sub: 'alice' } }));
    release();
    // … then run 1 ends too: both answer the same calculation, written once.
    const late = await first;
    if (late.statusCode === 202) expect(accepted(late)).toBe(retried);
    expect(requested().map((data) => data.calculationId)).toEqual([retried]);
  });
});
