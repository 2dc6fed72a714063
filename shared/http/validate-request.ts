import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { idempotencyKey } from './idempotency-key.ts';
import type { HttpEvent, HttpInput, HttpOperation } from './operation.ts';
import { jsonBody, validate } from './request.ts';

/**
 * Middy middleware (before): the request parts `operation` declares — path and query parameters,
 * JSON body, `Idempotency-Key` — parsed with their schemas into `event.input`, or a 400/413/415
 * problem before the handler runs. So a route answers every problem its document promises.
 */
export const validateRequest = <O extends HttpOperation>(
  operation: O,
): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: ({ event }) => {
    const { path, query, body } = operation.request ?? {};
    const input = {
      path: path && validate(path, event.pathParameters ?? {}, 'path'),
      query: query && validate(query, event.queryStringParameters ?? {}, 'query'),
      body: body && validate(body, jsonBody(event)),
      // Checked before Powertools' idempotency looks a record up under it.
      idempotencyKey: operation.idempotent ? idempotencyKey(event) : undefined,
    } as HttpInput<O>;
    (event as HttpEvent<O>).input = input;
  },
});
