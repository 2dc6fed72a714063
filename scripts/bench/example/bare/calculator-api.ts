import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { claimRecord, cloudEvent, completeRecord, derivedId, publish } from './events.ts';

// POST /calculations, bare: the same calls as the real one — the Idempotency-Key's record
// (conditional put, then completed with the answer), calculation.requested published.

const dynamodb = new DynamoDBClient({});
const sns = new SNSClient({});
const OPERATIONS = ['add', 'subtract', 'multiply', 'divide'];
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const answer = (statusCode: number, body: object, headers: Record<string, string> = {}) => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
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
  const id = key && `calculator-api#${sha256(key)}`;
  if (id && !(await claimRecord(dynamodb, id, { validation: { S: sha256(event.body ?? '') } })))
    return answer(409, { title: 'Conflict' });
  await publish(
    sns,
    cloudEvent('calculation.requested', { calculationId, operation, a, b }, 'calculator', {
      ...(key ? { id: derivedId(`event ${key}`) } : {}),
    }),
  );
  const response = answer(
    202,
    { calculationId, status: 'pending' },
    { location: `/calculations/${calculationId}` },
  );
  if (id) await completeRecord(dynamodb, id, response);
  return response;
};
