import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { claimRecord, cloudEvent, completeRecord, derivedId } from './events.ts';

// The storage API, bare, with the same calls as the real one. POST /calculations: the
// Idempotency-Key's record (conditional put, then completed with the answer), and the pending
// calculation with its calculation.requested outbox item in one transaction. GET
// /calculations/{id}: one read of the record.

const dynamodb = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(dynamodb);
const TableName = process.env.CALCULATIONS_TABLE;
const OPERATIONS = ['add', 'subtract', 'multiply', 'divide'];
const OUTBOX_KEEP_SECONDS = 15 * 24 * 3600;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const answer = (statusCode: number, body: object, headers: Record<string, string> = {}) => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function post(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  let request: { operation?: unknown; a?: unknown; b?: unknown };
  try {
    request = JSON.parse(event.body ?? '');
  } catch {
    return answer(400, { title: 'Bad Request' });
  }
  const { operation, a, b } = request ?? {};
  if (!OPERATIONS.includes(operation as string) || typeof a !== 'string' || typeof b !== 'string')
    return answer(400, { title: 'Bad Request' });
  const key = event.headers['idempotency-key'];
  const calculationId = key ? derivedId(`calculation ${key}`) : randomUUID();
  const id = key && `storage-api#${sha256(key)}`;
  if (id && !(await claimRecord(dynamodb, id, { validation: { S: sha256(event.body ?? '') } })))
    return answer(409, { title: 'Conflict' });
  const requested = cloudEvent(
    'calculation.requested',
    { calculationId, operation, a, b },
    'storage',
    {
      ...(key ? { id: derivedId(`event ${key}`) } : {}),
    },
  );
  const now = new Date();
  await documents.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName,
            Item: {
              calculationId,
              status: 'pending',
              operation,
              a,
              b,
              createdAt: now.toISOString(),
              updatedAt: now.toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(calculationId)',
          },
        },
        {
          Put: {
            TableName,
            Item: {
              calculationId: `outbox#${requested.id}`,
              kind: 'outbox',
              type: requested.type,
              source: requested.source,
              eventId: requested.id,
              body: JSON.stringify(requested),
              writtenAt: now.toISOString(),
              expiresAt: Math.floor(now.getTime() / 1000) + OUTBOX_KEEP_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(calculationId)',
          },
        },
      ],
    }),
  );
  const response = answer(
    202,
    { calculationId, status: 'pending' },
    { location: `/calculations/${calculationId}` },
  );
  if (id) await completeRecord(dynamodb, id, response);
  return response;
}

async function get(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const id = event.pathParameters?.id ?? '';
  const { Item } = await documents.send(new GetCommand({ TableName, Key: { calculationId: id } }));
  if (!Item) return { statusCode: 404, body: JSON.stringify({ title: 'Not Found' }) };
  const { owner: _owner, ...record } = Item;
  return answer(200, record);
}

export const handler = (event: APIGatewayProxyEventV2) =>
  event.requestContext.http.method === 'POST' ? post(event) : get(event);
