import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpProblem } from './problem.ts';

/**
 * Who is calling: the verified JWT's `sub` when the stage has an authorizer (param
 * apiJwtIssuer), undefined on a public API (no authorizer at all). API Gateway verified the token
 * before the function runs, so the claim can be trusted. A JWT without a usable `sub` is refused
 * (401): API Gateway's JWT authorizer does not require the claim, and read as "no caller" it would
 * skip the owner check and share one Idempotency-Key space among every such token.
 */
export function callerOf(event: APIGatewayProxyEventV2): string | undefined {
  const { authorizer } = event.requestContext as {
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
  if (authorizer?.jwt === undefined) return undefined;
  const sub = authorizer.jwt.claims?.sub;
  if (typeof sub === 'string' && sub !== '') return sub;
  throw new HttpProblem(
    401,
    'Unauthorized',
    'The bearer token has no `sub` claim: this API answers only callers it can tell apart',
    {},
    // RFC 6750 §3: the token was accepted by the gateway but is not usable here.
    { 'www-authenticate': 'Bearer error="invalid_token", error_description="no sub claim"' },
  );
}
