import { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key.ts';
import type { HttpOperation } from './operation.ts';
import { MAX_BODY_BYTES } from './request.ts';

// For the OpenAPI generator: what validate-request.ts and problem-details.ts answer, in words.

/**
 * Every problem (application/problem+json) an operation can answer, by status: those its request
 * brings through the caller check (caller.ts), the request validation (validate-request.ts) and
 * the idempotency wrapper, its own, and the 500 of any unexpected error
 * (shared/http/problem-details.ts).
 */
export function problemsOf(operation: HttpOperation): Record<number, string> {
  const { body, path, query } = operation.request ?? {};
  const problems: Record<number, string> = {};
  const invalid = [
    body && 'the body is not JSON or not valid',
    (path || query) && 'a parameter is not valid',
    operation.idempotent &&
      `the Idempotency-Key header is blank or longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
  ].filter(Boolean);
  // `errors` comes with a schema's refusal only: not with broken JSON nor a bad Idempotency-Key.
  const withErrors = [
    path && 'path parameter',
    query && 'query parameter',
    body && 'body field',
  ].filter(Boolean);
  if (invalid.length)
    problems[400] = `Invalid request: ${invalid.join('; ')}.${withErrors.length ? ` When a ${withErrors.join(' or ')} is not valid, \`errors\` names each one.` : ''}`;
  if (body) {
    problems[413] = `The body is larger than ${MAX_BODY_BYTES} bytes.`;
    problems[415] = 'The body is not application/json.';
  }
  if (operation.idempotent) {
    problems[409] = 'A request with this Idempotency-Key is still being processed: retry later.';
    problems[422] = 'This Idempotency-Key was used with another body.';
  }
  // Every route, as route() checks the caller of each (caller.ts).
  problems[401] = 'The bearer token has no `sub` claim: the caller cannot be told apart.';
  return {
    ...problems,
    ...operation.problems,
    500: 'An unexpected error; its message is logged, never sent.',
  };
}
