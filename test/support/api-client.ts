import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { openApiPath } from '../../scripts/generate-openapi.ts';
import { conformanceChecker } from '../../scripts/lib/openapi-conformance.ts';
import { isJsonMediaType } from '../../shared/http/media-type.ts';
import { WaitingCannotHelp } from './poll.ts';

/**
 * An answer the document does not describe. A WaitingCannotHelp: `eventually` fails at once
 * instead of polling an API that already broke its contract.
 */
export class OpenApiMismatch extends WaitingCannotHelp {
  override name = 'OpenApiMismatch';
}

export interface ApiRequest {
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as it is (with `headers` saying its type). */
  body?: string;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, when it is JSON (application/json, application/problem+json). */
  json: unknown;
}

/**
 * How the e2e tier calls the HTTP API: every answer is checked against openapi.yaml (status,
 * media type, headers, body) before a test sees it, and one that does not match fails the test.
 */
export function apiClient(
  baseUrl: string,
  document: object = parse(readFileSync(openApiPath, 'utf8')),
) {
  if (!baseUrl) throw new Error('This stage has no HTTP API (no HttpApiId among its outputs)');
  const check = conformanceChecker(document);
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  return async function call(
    method: string,
    path: string,
    { json, body, headers = {} }: ApiRequest = {},
  ): Promise<ApiAnswer> {
    const url = new URL(path.replace(/^\//, ''), base);
    const response = await fetch(url, {
      method,
      headers: {
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: json === undefined ? body : JSON.stringify(json),
    });
    const text = await response.text();
    const mismatches = check({
      method,
      path: url.pathname.slice(base.pathname.length - 1),
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: text,
    });
    if (mismatches.length)
      throw new OpenApiMismatch(
        `The API answered what openapi.yaml does not say (npm run openapi writes it from each function's routes.ts):\n${mismatches.join('\n')}`,
      );
    const isJson = isJsonMediaType(response.headers.get('content-type') ?? '');
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: isJson && text ? JSON.parse(text) : undefined,
    };
  };
}
