#!/usr/bin/env tsx
// `npm run openapi`: writes openapi.yaml, the HTTP API's OpenAPI 3.1 document, from the operations
// each HTTP function declares in the routes.ts beside its handler (shared/http/operation.ts) — the
// zod schemas its handler validates and answers with. serverless.yml says which functions serve
// which routes; a route served but not declared, or declared but not served, is an error. Checked
// in; a unit test fails when it is stale, and the e2e tier checks every answer against it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import * as z from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { IdempotencyKey } from '../shared/http/idempotency-key.ts';
import type { HttpOperation } from '../shared/http/operation.ts';
import { problemsOf } from '../shared/http/operation-problems.ts';
import { ProblemDetails } from '../shared/http/problem-schema.ts';
import { parseCli, runMain } from './lib/cli.ts';
import { cloudFormationTags } from './serverless/cloudformation-yaml.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const openApiPath = path.join(root, 'openapi.yaml');

/** Where an HTTP function's operations are declared: beside its handler. */
export const ROUTES_FILE = 'routes.ts';

/** One `httpApi` event of serverless.yml: a route and the function that serves it. */
export interface DeployedRoute {
  functionName: string;
  /** The handler's module, relative to the root: services/orders/api.ts */
  module: string;
  method: string;
  path: string;
}

/** Every `httpApi` event of serverless.yml's functions. */
export function deployedRoutes(serverlessYml: string): DeployedRoute[] {
  const { functions = {} } = parse(serverlessYml, { customTags: cloudFormationTags }) as {
    functions?: Record<string, { handler?: string; events?: Array<Record<string, unknown>> }>;
  };
  return Object.entries(functions).flatMap(([functionName, fn]) =>
    (fn?.events ?? []).flatMap((event) => {
      const route = event.httpApi as { method?: string; path?: string } | string | undefined;
      if (!route) return [];
      const [method = '', routePath = ''] =
        typeof route === 'string' ? route.split(/\s+/) : [route.method ?? '', route.path ?? ''];
      const module = `${(fn.handler ?? '').replace(/\.[^./]+$/, '')}.ts`;
      return [{ functionName, module, method: method.toUpperCase(), path: routePath }];
    }),
  );
}

const isOperation = (value: unknown): value is HttpOperation =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as HttpOperation).method === 'string' &&
  typeof (value as HttpOperation).path === 'string' &&
  typeof (value as HttpOperation).operationId === 'string' &&
  typeof (value as HttpOperation).responses === 'object';

/** A routes.ts file and the operations it exports. */
export interface DeclaredRoutes {
  file: string;
  operations: HttpOperation[];
}

/** The operations declared beside each handler that serves a route (files relative to `dir`). */
export async function declaredRoutes(dir: string, routes: DeployedRoute[]) {
  const files = [...new Set(routes.map((r) => path.join(path.dirname(r.module), ROUTES_FILE)))];
  const declared: DeclaredRoutes[] = [];
  for (const file of files) {
    if (!existsSync(path.join(dir, file))) continue;
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as object;
    declared.push({ file, operations: Object.values(module).filter(isOperation) });
  }
  return declared;
}

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

/**
 * The operations to document, one per deployed route. Throws one sentence per mismatch: a route
 * served but not declared beside its handler, a declared operation no function serves, an
 * operationId used twice.
 */
export function operationsToDocument(
  routes: DeployedRoute[],
  declared: DeclaredRoutes[],
): HttpOperation[] {
  const errors: string[] = [];
  const byFile = new Map(declared.map((d) => [d.file, d]));
  const operations: HttpOperation[] = [];
  for (const route of routes) {
    const file = path.join(path.dirname(route.module), ROUTES_FILE);
    const found = byFile.get(file)?.operations.find((o) => key(o) === key(route));
    if (found) operations.push(found);
    else
      errors.push(
        `serverless.yml: ${route.functionName} serves ${key(route)}, but ${file} ${byFile.has(file) ? 'exports no HttpOperation for it' : 'does not exist'}: declare it there (docs/http-api.md#openapi).`,
      );
  }
  for (const { file, operations: declaredOperations } of declared) {
    for (const operation of declaredOperations) {
      if (!routes.some((r) => key(r) === key(operation)))
        errors.push(
          `${file}: ${operation.operationId} (${key(operation)}) is served by no function: add its httpApi event in serverless.yml, or remove it.`,
        );
    }
  }
  const ids = operations.map((o) => o.operationId);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i)))
    errors.push(`operationId ${id} is used by more than one operation: each needs its own.`);
  if (errors.length) throw new Error(errors.join('\n'));
  return operations;
}

/** API Gateway's own error body, for what it answers before or instead of a function. */
const GatewayMessage = z
  .object({ message: z.string() })
  .meta({ id: 'GatewayMessage', description: "API Gateway's own answer, not a function's." });

/** What API Gateway itself may answer, by status (scripts/serverless/http-api.ts sets it up). */
function gatewayAnswers(operation: HttpOperation): Record<string, string> {
  return {
    401: 'the bearer token is missing, expired or not for this API (only on stages with a JWT authorizer, param apiJwtIssuer).',
    ...(operation.request?.body ? { 413: 'the body is larger than 10 MB.' } : {}),
    429: "throttled: over the stage's request rate (param apiThrottle).",
    500: 'the function failed without answering (it crashed or ran out of memory).',
    '5XX': 'the function could not be reached or did not answer in time.',
  };
}

function responsesOf(operation: HttpOperation): ZodOpenApiResponsesObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, answer] of Object.entries(operation.responses)) {
    responses[status] = {
      description: answer.description,
      ...(answer.headers ? { headers: answer.headers } : {}),
      ...(answer.body ? { content: { 'application/json': { schema: answer.body } } } : {}),
    };
  }
  const problems: Record<string, string> = problemsOf(operation);
  const gateway = gatewayAnswers(operation);
  for (const status of [...new Set([...Object.keys(problems), ...Object.keys(gateway)])]) {
    const description = [problems[status], gateway[status] && `API Gateway: ${gateway[status]}`]
      .filter(Boolean)
      .join(' ');
    responses[status] = {
      description,
      content: {
        ...(problems[status] ? { 'application/problem+json': { schema: ProblemDetails } } : {}),
        ...(gateway[status] ? { 'application/json': { schema: GatewayMessage } } : {}),
      },
    };
  }
  return responses as ZodOpenApiResponsesObject;
}

function operationObject(operation: HttpOperation): ZodOpenApiOperationObject {
  const { path: pathParams, query, body } = operation.request ?? {};
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    // Public on the emulator stages, a JWT on those with an issuer: both are this document's API.
    security: [{}, { jwt: [] }],
    requestParams: {
      ...(pathParams ? { path: pathParams } : {}),
      ...(query ? { query } : {}),
      ...(operation.idempotent
        ? { header: z.object({ 'Idempotency-Key': z.optional(IdempotencyKey) }) }
        : {}),
    },
    ...(body
      ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } }
      : {}),
    responses: responsesOf(operation),
  };
}

/** The OpenAPI 3.1 document of these operations, as YAML. */
export function renderOpenApi(operations: HttpOperation[]): string {
  const paths: ZodOpenApiPathsObject = {};
  const byPath = (a: HttpOperation, b: HttpOperation) =>
    a.path.localeCompare(b.path) || a.method.localeCompare(b.method);
  for (const operation of [...operations].sort(byPath)) {
    paths[operation.path] = {
      ...paths[operation.path],
      [operation.method.toLowerCase()]: operationObject(operation),
    };
  }
  const document = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Event-driven starter: HTTP API',
      version: '1.0.0',
      description: [
        'Generated by `npm run openapi` from the routes.ts beside each HTTP function and serverless.yml. Do not edit by hand.',
        'Every error is RFC 9457 `application/problem+json`, except what API Gateway answers itself (`{"message": …}`).',
      ].join('\n\n'),
    },
    servers: [
      {
        url: '{apiUrl}',
        description: 'A deployed stage',
        variables: {
          apiUrl: {
            default: 'http://localhost:4566/_aws/execute-api/API_ID',
            description:
              "The stage's API URL: `npm run deploy:local` prints the emulator's, `npx serverless info --stage <stage>` shows the others'.",
          },
        },
      },
    ],
    paths,
    components: {
      securitySchemes: {
        jwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'On stages with a JWT authorizer (params apiJwtIssuer and apiJwtAudience) every route needs a token of that issuer for that audience; the other stages are public.',
        },
      },
    },
  });
  return `# Generated by \`npm run openapi\`. Do not edit by hand.\n${stringify(JSON.parse(JSON.stringify(document)), { lineWidth: 0 })}`;
}

/** The document of the repository at `dir`, as `npm run openapi` writes it. */
export async function renderOpenApiOf(dir: string): Promise<string> {
  const routes = deployedRoutes(readFileSync(path.join(dir, 'serverless.yml'), 'utf8'));
  return renderOpenApi(operationsToDocument(routes, await declaredRoutes(dir, routes)));
}

const cli = {
  usage: `usage: npm run openapi
Writes openapi.yaml (OpenAPI 3.1) from the operations declared in the routes.ts beside each HTTP
function's handler and the httpApi events of serverless.yml.
  --help  this text`,
};

async function main(): Promise<number> {
  parseCli(cli);
  const text = await renderOpenApiOf(root);
  writeFileSync(openApiPath, text);
  const operations = (text.match(/^ {6}operationId: /gm) ?? []).length;
  console.log(`wrote ${path.relative(root, openApiPath)} (${operations} operations)`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]))
  runMain(cli, main);
