import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Who is calling: the verified JWT's `sub` when the stage has an authorizer (param
 * apiJwtIssuer), undefined on a public API. API Gateway verified the token before the function
 * runs, so the claim can be trusted.
 */
export function callerOf(event: APIGatewayProxyEventV2): string | undefined {
  const { authorizer } = event.requestContext as {
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
  const sub = authorizer?.jwt?.claims?.sub;
  return typeof sub === 'string' && sub !== '' ? sub : undefined;
}
