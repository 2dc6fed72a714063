// `npm run new:service -- <name> --http --table [--publishes <types>] [--consumes <types>]`: the
// HTTP part of a new service — its create and read routes (routes.ts, zod), their handler with
// its own table (custom.tables; with `--publishes`, its outbox: each create writes the item and
// its events in one transaction), its function and role in serverless.yml, a unit test and a test
// of its routes against the deployed stage. Used by scripts/new-service.ts.
import { currentContract, type EventType } from '../../events/registry.ts';
import { camelCase as camel, pascalCase as pascal } from '../serverless/case.ts';
import { findBlock } from '../serverless/yaml-blocks.ts';

export interface HttpService {
  name: string;
  publishes: string[];
}

/** ORDERS_TABLE for `orders`: the table's environment variable. */
export const tableVariable = (name: string) => `${name.replaceAll('-', '_').toUpperCase()}_TABLE`;

/**
 * The event types a generated create may publish: those whose data is `{ id }` — the item's id —
 * as `npm run new:event` makes a new type. Others need data only their author knows.
 */
export function publishableWithId(type: string): boolean {
  const contract = currentContract(type as EventType);
  return contract.schema.safeParse({ id: '00000000-0000-4000-8000-000000000000' }).success;
}

export function routesSource({ name }: HttpService): string {
  const P = pascal(name);
  return `import * as z from '../../events/zod.ts';
import type { HttpOperation } from '../../shared/http/operation.ts';

/** What a client sends to create one. Say here what a ${name} item holds. */
export const New${P} = z
  .object({
    description: z
      .string()
      .check(z.minLength(1), z.maxLength(1000), z.meta({ description: 'What it is.' })),
  })
  // The example is what \`npm run chaos\` creates under faults (scripts/chaos/scenarios/http-creates.ts).
  .check(z.meta({ id: 'New${P}', examples: [{ description: 'An example' }] }));

/**
 * One ${name} item, as the API shows it. An answer's body is documentation at run time (respond()
 * is typed by it, never parses): z.lazy builds it only for openapi.yaml and tests.
 */
export const ${P}Item = z.lazy(() =>
  z
    .extend(New${P}, {
      id: z.uuid().check(z.meta({ description: 'Its id: GET /${name}/{id}.' })),
      createdAt: z.iso
        .datetime({ offset: true })
        .check(z.meta({ description: 'When it was created.' })),
    })
    .check(z.meta({ id: '${P}Item' })),
);

export const create${P} = {
  method: 'POST',
  path: '/${name}',
  operationId: 'create${P}',
  summary: 'Create a ${name} item',
  description: 'Stores it (and the events it causes, in the same transaction) and answers with it.',
  request: { body: New${P} },
  responses: {
    201: {
      description: 'Created.',
      body: ${P}Item,
      headers: z.object({
        Location: z.string().check(z.meta({ description: 'The item: /${name}/{id}.' })),
      }),
    },
  },
} as const satisfies HttpOperation;

export const get${P} = {
  method: 'GET',
  path: '/${name}/{id}',
  operationId: 'get${P}',
  summary: 'Read a ${name} item',
  description: 'The item as it was created.',
  request: { path: z.object({ id: z.uuid().check(z.meta({ description: 'Its id.' })) }) },
  responses: { 200: { description: 'The item.', body: ${P}Item } },
  problems: { 404: 'No such item.' },
} as const satisfies HttpOperation;
`;
}

export function apiSource({ name, publishes }: HttpService): string {
  const P = pascal(name);
  const variable = tableVariable(name);
  const outbox = publishes.length > 0;
  const events = publishes.map((type) => `{ type: '${type}', data: { id: item.id } }`).join(', ');
  return `import { randomUUID } from 'node:crypto';
import { GetCommand${outbox ? '' : ', PutCommand'} } from '@aws-sdk/lib-dynamodb';
import * as z from '../../events/zod.ts';
import { documentClient } from '../../shared/aws/clients.ts';
import { baseConfigShape, loadConfig } from '../../shared/config.ts';
import { callerOf } from '../../shared/http/caller.ts';
import { createHttpApi, route } from '../../shared/http/create-http-api.ts';
import { type HttpEvent, problem, respond } from '../../shared/http/operation.ts';
import { createLogger } from '../../shared/logger.ts';
${outbox ? "import { createOutbox } from '../../shared/outbox.ts';\n" : ''}import { create${P}, get${P} } from './routes.ts';

const config = loadConfig({ ...baseConfigShape, ${variable}: z.string().check(z.minLength(1)) });
const logger = createLogger(config.SERVICE_NAME);
const TableName = config.${variable};
${
  outbox
    ? `// The table's outbox (custom.tables.${name}.outbox): its relay publishes what a create writes.
const outbox = createOutbox({
  tableName: TableName,
  partitionKey: 'id',
  ttlAttribute: 'expiresAt',
  source: config.SERVICE_NAME,
});
`
    : ''
}
/** POST /${name}: ${outbox ? 'the item and its events in one transaction' : 'the item'}, then 201 with it. */
async function create(event: HttpEvent<typeof create${P}>) {
  const item = { id: randomUUID(), ...event.input.body, createdAt: new Date().toISOString() };
  // With an authenticated API, its creator (JWT sub) alone may read it; never shown.
  const owner = callerOf(event);
  const put = {
    TableName,
    Item: { ...item, ...(owner ? { owner } : {}) },
    ConditionExpression: 'attribute_not_exists(id)',
  };
${
  outbox
    ? `  await outbox.write([{ Put: put }], [${events}]);`
    : '  await documentClient().send(new PutCommand(put));'
}
  logger.info('Created', { id: item.id });
  return respond(create${P}, 201, item, { Location: \`/${name}/\${item.id}\` });
}

/** GET /${name}/{id} */
async function read(event: HttpEvent<typeof get${P}>) {
  const { id } = event.input.path;
  // Strongly consistent: a read right after the create that wrote it finds it.
  const { Item } = await documentClient().send(
    new GetCommand({ TableName, Key: { id }, ConsistentRead: true }),
  );
  // To another caller it does not exist (a 403 would confirm the id).
  const caller = callerOf(event);
  if (!Item || (caller !== undefined && Item.owner !== caller))
    throw problem(get${P}, 404, 'Not Found', \`No ${name} item \${id}\`);
  const { description, createdAt } = Item;
  return respond(get${P}, 200, { id, description, createdAt });
}

export const handler = createHttpApi(
  [route(create${P}, create), route(get${P}, read)],
  logger,
  config.SERVICE_NAME,
);
`;
}

export function apiTestSource({ name, publishes }: HttpService): string {
  const outbox = publishes.length > 0;
  return `import { DynamoDBDocumentClient, GetCommand, ${outbox ? 'TransactWriteCommand' : 'PutCommand'} } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

// ${name}'s routes with its table mocked: what is written on create, what a read answers.
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (event: APIGatewayProxyEventV2, context: never) => Promise<unknown>;

beforeAll(async () => {
  vi.stubEnv('SERVICE_NAME', '${name}');
  vi.stubEnv('${tableVariable(name)}', '${name}');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  ({ handler } = (await import('./api.ts')) as unknown as { handler: typeof handler });
});
beforeEach(() => dynamo.reset());

const call = async (method: string, path: string, body?: unknown) =>
  (await handler(
    {
      version: '2.0',
      routeKey: method === 'POST' ? 'POST /${name}' : 'GET /${name}/{id}',
      rawPath: path,
      pathParameters: method === 'GET' ? { id: path.split('/').pop() } : undefined,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      isBase64Encoded: false,
      requestContext: { http: { method, path } },
    } as unknown as APIGatewayProxyEventV2,
    {} as never,
  )) as APIGatewayProxyStructuredResultV2;

describe('${name} API', () => {
  it('creates an item${outbox ? ' and its events in one transaction' : ''}, answering 201 with its Location', async () => {
    dynamo.on(${outbox ? 'TransactWriteCommand' : 'PutCommand'}).resolves({});
    const created = await call('POST', '/${name}', { description: 'first' });
    expect(created.statusCode).toBe(201);
    const item = JSON.parse(created.body ?? '{}');
    expect(created.headers?.Location).toBe(\`/${name}/\${item.id}\`);
${
  outbox
    ? `    const [write] = dynamo.commandCalls(TransactWriteCommand);
    const items = write?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Put?.Item).toMatchObject({ id: item.id, description: 'first' });
    expect(items.slice(1).map((i) => i.Put?.Item?.type)).toEqual(${JSON.stringify(publishes)});`
    : `    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({ id: item.id });`
}
  });

  it('refuses a create without a description, naming the field', async () => {
    const refused = await call('POST', '/${name}', {});
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('description');
  });

  it('reads an item, and answers 404 for one it does not have', async () => {
    const id = '6f1c1c3e-3f0e-4c55-9d43-0a7a3c1e2b10';
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: { id, description: 'x', createdAt: '2026-01-01T00:00:00.000Z' } })
      .resolvesOnce({});
    expect((await call('GET', \`/${name}/\${id}\`)).statusCode).toBe(200);
    expect((await call('GET', \`/${name}/\${id}\`)).statusCode).toBe(404);
  });
});
`;
}

/** The e2e test of the routes, against the deployed stage through its HTTP API (checked against openapi.yaml). */
export function routesE2eSource({ name }: HttpService): string {
  return `import { describe, expect, inject, it } from 'vitest';
import { apiClient } from '../support/api-client.ts';

// ${name}'s routes on the deployed stage: a created item reads back at once (its own table).
const api = apiClient(inject('stack').apiUrl ?? '');

describe('the ${name} API of a deployed stage', () => {
  it('creates an item and reads it back at its Location', async () => {
    const created = await api('POST', '/${name}', { json: { description: 'e2e' } });
    expect(created.status).toBe(201);
    const location = created.headers.get('location') ?? '';
    const read = await api('GET', location);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);
  });
});
`;
}

/** Insert `entry` (already indented) as the last child of the block at `keys`, creating it from `{}` if needed. */
function appendChild(lines: string[], keys: string[], entry: string, what: string): void {
  const indent = ' '.repeat(2 * (keys.length - 1));
  const key = keys.at(-1) as string;
  const empty = lines.indexOf(`${indent}${key}: {}`);
  if (empty >= 0) lines[empty] = `${indent}${key}:`;
  const block = findBlock(lines, keys);
  if (!block) throw new Error(`serverless.yml has no ${keys.join('.')} block for ${what}.`);
  lines.splice(block[1], 0, entry);
}

/** serverless.yml with the service's table, function and role added (comments kept). */
export function addHttpEntries(yaml: string, { name, publishes }: HttpService): string {
  const P = pascal(name);
  const lines = yaml.split('\n');
  if (!findBlock(lines, ['custom', 'tables']))
    throw new Error('serverless.yml has no custom.tables block (scripts/serverless/tables.ts).');
  if (
    findBlock(lines, ['custom', 'tables', name]) ||
    findBlock(lines, ['functions', `${camel(name)}Api`])
  )
    throw new Error(`serverless.yml already has a table or function for "${name}".`);
  appendChild(
    lines,
    ['custom', 'tables'],
    [
      `    ${name}:`,
      '      partitionKey: id',
      ...(publishes.length ? ['      outbox: true'] : []),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless Framework variable
      '      deletionProtection: ${param:deletionProtection}',
    ].join('\n'),
    'the table',
  );
  appendChild(
    lines,
    ['functions'],
    [
      '',
      `  ${camel(name)}Api:`,
      `    handler: services/${name}/api.handler`,
      `    role: ${P}ApiRole`,
      '    memorySize: 512',
      '    environment:',
      `      SERVICE_NAME: ${name}`,
      `      ${tableVariable(name)}: !Ref ${P}Table`,
      '    events:',
      `      - httpApi: { method: POST, path: /${name} }`,
      `      - httpApi: { method: GET, path: "/${name}/{id}" }`,
    ].join('\n'),
    'the function',
  );
  appendChild(
    lines,
    ['resources', 'Resources'],
    [
      '',
      `    ${P}ApiRole:`,
      '      Type: AWS::IAM::Role',
      '      Properties:',
      '        AssumeRolePolicyDocument: *lambdaTrust',
      '        Policies:',
      `          - PolicyName: ${name}-api`,
      '            PolicyDocument:',
      '              Version: "2012-10-17"',
      '              Statement:',
      '                - Effect: Allow',
      '                  Action: [logs:CreateLogStream, logs:PutLogEvents]',
      `                  Resource: !GetAtt ${P}ApiLogGroup.Arn`,
      `                - Effect: Allow # read an item; create one${publishes.length ? ' with its outbox items (one transaction)' : ''}`,
      '                  Action: [dynamodb:GetItem, dynamodb:PutItem]',
      `                  Resource: !GetAtt ${P}Table.Arn`,
    ].join('\n'),
    'the role',
  );
  return lines.join('\n');
}
