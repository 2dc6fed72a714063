import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { publishCounts } from '../metrics.ts';
import { tracingMiddleware } from '../tracing.ts';
import { callerOf } from './caller.ts';
import type { HttpEvent, HttpOperation } from './operation.ts';
import { pathPattern } from './path-pattern.ts';
import { HttpProblem } from './problem.ts';
import { problemDetails } from './problem-details.ts';
import { validateRequest } from './validate-request.ts';

/** A declared operation (its `routes.ts`) and the handler that serves it. */
export type HttpRoute = HttpOperation &
  Pick<Route<APIGatewayProxyEventV2, APIGatewayProxyResultV2>, 'handler'>;

/**
 * `operation` served by `handler`, which runs only once the caller is one it can name or the API is
 * public (caller.ts) and the request parts the operation declares are valid, and gets them parsed
 * and typed as `event.input` (validate-request.ts).
 */
export function route<O extends HttpOperation>(
  operation: O,
  handler: (event: HttpEvent<O>, context: Context) => Promise<APIGatewayProxyResultV2>,
): HttpRoute {
  return {
    ...operation,
    handler: middy(
      handler as (
        event: APIGatewayProxyEventV2,
        context: Context,
      ) => Promise<APIGatewayProxyResultV2>,
    )
      // Before anything else, above all before an Idempotency-Key record is looked up: a JWT
      // without `sub` is refused (401, caller.ts), not served as if the API were public.
      .use({ before: ({ event }) => void callerOf(event) })
      .use(validateRequest(operation)),
  };
}

/** 404 for a path no route knows; 405 (with `Allow`) for a known path asked with another method. */
function routeNotFound(routes: HttpRoute[]) {
  const patterns = routes.map((route) => ({
    method: route.method,
    path: pathPattern(route.path),
  }));
  return ({ method, path }: { method: string; path: string }): never => {
    const allowed = patterns.filter((p) => p.path.test(path)).map((p) => p.method);
    if (allowed.length) {
      throw new HttpProblem(
        405,
        'Method Not Allowed',
        `${method} is not supported on ${path}`,
        {},
        { allow: allowed.join(', ') },
      );
    }
    throw new HttpProblem(404, 'Not Found', `No route for ${method} ${path}`);
  };
}

/**
 * An API Gateway HTTP API handler from a list of routes (`route(operation, handler)`), routed by
 * Middy's http-router. Each route is an HttpOperation, so it is in openapi.yaml (`npm run openapi`),
 * and its request is validated as declared before its handler runs.
 * Unknown routes answer 404, wrong methods 405, and every error is application/problem+json.
 * Each answer counts as `HttpResponses` (EMF) by route and status class, under `service`.
 */
export function createHttpApi(routes: HttpRoute[], logger: Logger, service: string) {
  const handler = middy(httpRouterHandler({ routes, notFoundResponse: routeNotFound(routes) }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(tracingMiddleware())
    .use(problemDetails({ logger }));
  // Responses per route and status class, as an EMF metric: the final answer, problems included.
  return async (event: APIGatewayProxyEventV2, context: Context) => {
    const response = (await handler(event, context)) as { statusCode?: number };
    publishCounts(
      service,
      { route: event.routeKey ?? 'unknown', status: `${String(response.statusCode ?? 200)[0]}xx` },
      { HttpResponses: 1 },
    );
    return response;
  };
}
