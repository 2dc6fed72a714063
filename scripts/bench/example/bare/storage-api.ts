import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

// GET /calculations/{id}, bare: one read of the record.

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
  const id = event.pathParameters?.id ?? '';
  const { Item } = await documents.send(
    new GetCommand({ TableName: process.env.CALCULATIONS_TABLE, Key: { calculationId: id } }),
  );
  if (!Item) return { statusCode: 404, body: JSON.stringify({ title: 'Not Found' }) };
  const { owner: _owner, ...record } = Item;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(record),
  };
};
