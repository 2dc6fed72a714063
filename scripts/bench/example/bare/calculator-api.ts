import { createHash, randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { cloudEvent, derivedId, publish } from './events.ts';

// POST /calculations, bare: the same calls as the real one — the Idempotency-Key's record
// (conditional put, then completed with the answer), calculation.requested published.

const dynamodb = new DynamoDBClient({});
const sns = new SNSClient({});
const OPERATIONS = ['add', 'subtract', 'multiply', 'divide'];
const DAY = 24 * 60 * 60;

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
  const id = key && `calculator-api#${createHash('sha256').update(key).digest('hex')}`;
  const now = Math.floor(Date.now() / 1000);
  if (id) {
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: process.env.IDEMPOTENCY_TABLE,
          Item: {
            id: { S: id },
            status: { S: 'INPROGRESS' },
            expiration: { N: String(now + DAY) },
            validation: {
              S: createHash('sha256')
                .update(event.body ?? '')
                .digest('hex'),
            },
          },
          ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        return answer(409, { title: 'Conflict' });
      throw error;
    }
  }
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
  if (id)
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: process.env.IDEMPOTENCY_TABLE,
        Key: { id: { S: id } },
        UpdateExpression: 'SET #status = :completed, #data = :data',
        ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
        ExpressionAttributeValues: {
          ':completed': { S: 'COMPLETED' },
          ':data': { S: JSON.stringify(response) },
        },
      }),
    );
  return response;
};
