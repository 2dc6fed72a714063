import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Schema } from '../../events/contract.ts';
import { describeIssues } from '../../events/contract-violation.ts';
import type * as z from '../../events/zod.ts';
import { parseJson } from '../json.ts';
import { isJsonMediaType } from './media-type.ts';
import { HttpProblem } from './problem.ts';

/** Bodies larger than this are refused before they are decoded or parsed. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The JSON body, numbers kept exact. 415 for another media type, 413 for a body over `maxBytes`
 * (read before parsing: nothing a client sends grows into the answer), 400 for broken JSON.
 */
export function jsonBody(event: APIGatewayProxyEventV2, maxBytes = MAX_BODY_BYTES): unknown {
  const contentType = event.headers?.['content-type'] ?? 'application/json';
  if (!isJsonMediaType(contentType)) {
    throw new HttpProblem(
      415,
      'Unsupported Media Type',
      `Expected application/json, got ${contentType}`,
    );
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
  if (bytes > maxBytes) {
    throw new HttpProblem(
      413,
      'Content Too Large',
      `The request body has ${bytes} bytes; at most ${maxBytes} are accepted`,
    );
  }
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  try {
    return parseJson(text);
  } catch {
    throw new HttpProblem(400, 'Invalid request', 'The request body is not valid JSON');
  }
}

/** Validate with zod; a 400 problem names every invalid field. */
export function validate<T extends Schema>(schema: T, value: unknown, where = 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpProblem(400, 'Invalid request', describeIssues(result.error, where), {
      errors: result.error.issues.map((i) => ({
        field: [where, ...i.path.map(String)].join('.'),
        message: i.message,
      })),
    });
  }
  return result.data as z.output<T>;
}

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
