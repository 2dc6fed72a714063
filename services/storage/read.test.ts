import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it, vi } from 'vitest';

// GET /calculations/{id} with an authenticated API: only the caller who asked reads it.
const id = '6f1c1c3e-3f0e-4c55-9d43-0a7a3c1e2b10';
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (event: APIGatewayProxyEventV2, context: never) => Promise<unknown>;

beforeAll(async () => {
  vi.stubEnv('SERVICE_NAME', 'storage');
  vi.stubEnv('CALCULATIONS_TABLE', 'calculations');
  vi.stubEnv('IDEMPOTENCY_TABLE', 'idempotency');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  ({ handler } = (await import('./api.ts')) as unknown as { handler: typeof handler });
  dynamo.on(GetCommand).resolves({
    Item: {
      calculationId: id,
      status: 'completed',
      operation: 'add',
      a: '1',
      b: '2',
      result: '3',
      owner: 'alice',
      createdAt: 't',
      updatedAt: 't',
    },
  });
});

const get = async (
  sub?: string,
  claims: Record<string, unknown> | undefined = sub ? { sub } : undefined,
) =>
  (await handler(
    {
      version: '2.0',
      rawPath: `/calculations/${id}`,
      routeKey: 'GET /calculations/{id}',
      pathParameters: { id },
      headers: {},
      requestContext: {
        http: { method: 'GET', path: `/calculations/${id}` },
        ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
      },
    } as unknown as APIGatewayProxyEventV2,
    {} as never,
  )) as APIGatewayProxyStructuredResultV2;

describe('GET /calculations/{id}', () => {
  it('answers its owner', async () => {
    const response = await get('alice');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ calculationId: id, result: '3' });
    expect(JSON.parse(response.body ?? '{}')).not.toHaveProperty('owner');
  });

  it('is a 404 to any other caller, as if it did not exist', async () => {
    const response = await get('mallory');
    expect(response.statusCode).toBe(404);
  });

  it('is a 401 to a verified JWT without `sub`, not an answer as on a public API', async () => {
    const response = await get(undefined, { iss: 'https://issuer.example', scope: 'read' });
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ status: 401 });
    expect(response.body).not.toContain('"result"');
  });

  it('answers anyone on a public API (no authorizer, no caller)', async () => {
    expect((await get()).statusCode).toBe(200);
  });
});
