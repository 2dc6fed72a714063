import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpProblem } from './problem.ts';

/** Longer keys are refused: a UUID is 36 characters, and a key is stored with every record. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The request's `Idempotency-Key` header: undefined when the client sent none. A blank key is a
 * 400, not a key: "" or " " would be one key shared by every client that sends it, each getting
 * another's answer for a day. So is a key longer than MAX_IDEMPOTENCY_KEY_LENGTH.
 */
export function idempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  const key = event.headers?.['idempotency-key'];
  if (key === undefined) return undefined;
  if (key.trim() === '') {
    throw new HttpProblem(
      400,
      'Invalid request',
      'The Idempotency-Key header is blank: send a unique key (a UUID) or no header',
    );
  }
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new HttpProblem(
      400,
      'Invalid request',
      `The Idempotency-Key header has ${key.length} characters; at most ${MAX_IDEMPOTENCY_KEY_LENGTH} are accepted`,
    );
  }
  return key;
}
