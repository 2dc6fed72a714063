import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { HttpOperation } from '../shared/http/operation.ts';
import {
  type DeployedRoute,
  deployedRoutes,
  openApiPath,
  operationsToDocument,
  renderOpenApi,
  renderOpenApiOf,
} from './generate-openapi.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('openapi.yaml', () => {
  it('is up to date (run `npm run openapi`)', async () => {
    expect(readFileSync(openApiPath, 'utf8')).toBe(await renderOpenApiOf(root));
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    // validate() resolves the $refs of what it is given: a copy of its own.
    const result = await validate(parse(readFileSync(openApiPath, 'utf8')));
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.specification).toBe('OpenAPI');
    expect(parse(readFileSync(openApiPath, 'utf8')).openapi).toBe('3.1.0');
  });
});

// A fork's HTTP functions, in a throw-away folder: names no fork would use.
const fork = mkdtempSync(path.join(tmpdir(), 'openapi-'));
afterAll(() => rmSync(fork, { recursive: true, force: true }));
symlinkSync(path.join(root, 'node_modules'), path.join(fork, 'node_modules'));

// The routes.ts of a fork's service: the mechanism's sample operations, and a value that is none.
const ZZ_ROUTES = `export * from '${path.join(root, 'test', 'support', 'sample-operations.ts')}';
export const notAnOperation = 42;
`;

function writeFork(serverlessYml: string, routes?: string) {
  writeFileSync(path.join(fork, 'serverless.yml'), serverlessYml);
  mkdirSync(path.join(fork, 'services', 'zz-orders'), { recursive: true });
  const file = path.join(fork, 'services', 'zz-orders', 'routes.ts');
  rmSync(file, { force: true });
  if (routes) writeFileSync(file, routes);
}

const functions = (...events: string[]) => `service: zz
functions:
  zzOrdersApi:
    handler: services/zz-orders/api.handler
    events:
${events.map((e) => `      - ${e}`).join('\n')}
  zzWorker:
    handler: services/zz-orders/worker.handler
    role: !GetAtt ZzRole.Arn
`;

describe('npm run openapi in a fork', () => {
  it("documents each HTTP function's routes from the routes.ts beside its handler", async () => {
    writeFork(
      functions('httpApi: { method: POST, path: /zz-orders }', 'httpApi: "GET /zz-orders/{id}"'),
      ZZ_ROUTES,
    );
    const document = parse(await renderOpenApiOf(fork));
    expect(Object.keys(document.paths)).toEqual(['/zz-orders', '/zz-orders/{id}']);
    const placeOrder = document.paths['/zz-orders'].post;
    expect(placeOrder.requestBody.content['application/json'].schema.required).toEqual(['amount']);
    expect(Object.keys(placeOrder.responses)).toEqual(
      expect.arrayContaining(['201', '400', '413', '415', '500']),
    );
    const getOrder = document.paths['/zz-orders/{id}'].get;
    expect(getOrder.parameters).toMatchObject([{ in: 'path', name: 'id', required: true }]);
    expect(getOrder.responses['404'].content).toHaveProperty('application/problem+json');
    expect(getOrder.responses).not.toHaveProperty('415');
    expect((await validate(structuredClone(document))).valid).toBe(true);
  });

  it('documents no paths without HTTP functions (after npm run remove:examples)', async () => {
    writeFork('service: zz\nfunctions: {}\n');
    const document = parse(await renderOpenApiOf(fork));
    expect(document.paths).toEqual({});
    expect((await validate(document)).valid).toBe(true);
    writeFork('service: zz\n');
    expect(parse(await renderOpenApiOf(fork)).paths).toEqual({});
  });

  it('refuses a route served without its declaration, with where to declare it', async () => {
    writeFork(functions('httpApi: { method: GET, path: /zz-orders }'));
    await expect(renderOpenApiOf(fork)).rejects.toThrow(
      'serverless.yml: zzOrdersApi serves GET /zz-orders, but services/zz-orders/routes.ts does not exist',
    );
  });
});

describe('operationsToDocument', () => {
  const route = (method: string, routePath: string): DeployedRoute => ({
    functionName: 'zzOrdersApi',
    module: 'services/zz-orders/api.ts',
    method,
    path: routePath,
  });
  const operation = (
    method: 'GET' | 'POST',
    routePath: string,
    operationId: string,
  ): HttpOperation => ({
    method,
    path: routePath,
    operationId,
    summary: operationId,
    responses: { 200: { description: 'ok' } },
  });
  const file = 'services/zz-orders/routes.ts';
  const toDocument =
    (routes: DeployedRoute[], ...operations: HttpOperation[]) =>
    () =>
      operationsToDocument(routes, [{ file, operations }]);

  it('says every mismatch between serverless.yml and the routes.ts files, one sentence each', () => {
    expect(
      toDocument(
        [route('GET', '/zz-orders'), route('DELETE', '/zz-orders/{id}')],
        operation('GET', '/zz-orders', 'zzListOrders'),
        operation('POST', '/zz-orders', 'zzPlaceOrder'),
      ),
    ).toThrow(
      [
        'serverless.yml: zzOrdersApi serves DELETE /zz-orders/{id}, but services/zz-orders/routes.ts exports no HttpOperation for it: declare it there (docs/http-api.md#openapi).',
        'services/zz-orders/routes.ts: zzPlaceOrder (POST /zz-orders) is served by no function: add its httpApi event in serverless.yml, or remove it.',
      ].join('\n'),
    );
  });

  it('refuses an operationId used twice', () => {
    expect(
      toDocument(
        [route('GET', '/zz-orders'), route('POST', '/zz-orders')],
        operation('GET', '/zz-orders', 'zzOrders'),
        operation('POST', '/zz-orders', 'zzOrders'),
      ),
    ).toThrow('operationId zzOrders is used by more than one operation');
  });

  it('reads both forms of an httpApi event and ignores functions without one', () => {
    expect(
      deployedRoutes(
        functions('httpApi: { method: post, path: /zz-orders }', 'httpApi: "GET /zz"'),
      ),
    ).toEqual([{ ...route('POST', '/zz-orders') }, { ...route('GET', '/zz') }]);
    expect(renderOpenApi([])).toContain('paths: {}');
  });
});
