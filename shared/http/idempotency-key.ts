import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from '../../events/zod.ts';
import { HttpProblem } from './problem.ts';

/** Longer keys are refused: a UUID is 36 characters, and a key is stored with every record. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The `Idempotency-Key` header. A blank key is refused, not a key: "" or " " would be one key
 * shared by every client that sends it, each getting another's answer for a day. Built the first
 * time a key is checked (z.lazy), not at every cold start of an API function.
 */
export const IdempotencyKey = z.lazy(() =>
  z.string().check(
    z.regex(/\S/, {
      error: 'The Idempotency-Key header is blank: send a unique key (a UUID) or no header',
    }),
    z.maxLength(MAX_IDEMPOTENCY_KEY_LENGTH, {
      error: (issue) =>
        `The Idempotency-Key header has ${String(issue.input).length} characters; at most ${MAX_IDEMPOTENCY_KEY_LENGTH} are accepted`,
    }),
    z.meta({
      description: `Makes a retry safe: a request repeated with the same key (and body) within a day gets the first answer and does nothing again. A UUID per request, at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`,
      examples: ['0b6f8b1e-5d55-4c1a-9f0e-3c5f2d7a9e41'],
    }),
  ),
);

/** The request's `Idempotency-Key` header (IdempotencyKey): undefined when the client sent none. */
export function idempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  const key = event.headers?.['idempotency-key'];
  if (key === undefined) return undefined;
  const result = IdempotencyKey.safeParse(key);
  if (!result.success)
    throw new HttpProblem(400, 'Invalid request', result.error.issues[0]?.message);
  return result.data;
}
