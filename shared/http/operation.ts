import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import { json } from './request.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A successful answer of an operation: its `application/json` body and its headers. */
export interface HttpAnswer {
  description: string;
  body?: z.ZodType;
  /** By their usual spelling (`Location`); each one not optional is always sent. */
  headers?: z.ZodObject;
}

/**
 * One HTTP route as its clients see it, declared in the `routes.ts` beside the function's handler:
 * `createHttpApi` routes on its method and path, the handler validates with its schemas and answers
 * through `respond`, and `npm run openapi` writes it into openapi.yaml. So a route cannot be
 * served without being documented, nor documented other than it is served.
 */
export interface HttpOperation {
  method: HttpMethod;
  /** As in serverless.yml's `httpApi` event, parameters in braces: `/orders/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  request?: {
    /** Read with `validate(schema, event.pathParameters, 'path')`. */
    path?: z.ZodObject;
    /** Read with `validate(schema, event.queryStringParameters ?? {}, 'query')`. */
    query?: z.ZodObject;
    /** An `application/json` body, read with `validate(schema, jsonBody(event))`. */
    body?: z.ZodType;
  };
  /**
   * Takes an optional `Idempotency-Key` header (`idempotencyKey(event)`, Powertools'
   * `makeIdempotent` around the handler): a retry gets the first answer.
   */
  idempotent?: boolean;
  /** The successful answers, by status. */
  responses: Record<number, HttpAnswer>;
  /**
   * The problems the handler's own code answers, by status, with when (`404: 'No such order'`).
   * Those of the shared helpers are added by `problemsOf` (operation-problems.ts).
   */
  problems?: Record<number, string>;
}

type AnswerOf<O extends HttpOperation, S extends keyof O['responses']> = O['responses'][S];
type BodyOf<A> = A extends { body: infer B extends z.ZodType } ? z.output<B> : undefined;
type HeadersOf<A> = A extends { headers: infer H extends z.ZodObject }
  ? [headers: z.output<H>]
  : [];

/**
 * A successful answer of `operation`, checked by the compiler against what it declares: only its
 * statuses, its body's type, its headers.
 */
export function respond<O extends HttpOperation, S extends keyof O['responses'] & number>(
  _operation: O,
  status: S,
  body: BodyOf<AnswerOf<O, S>>,
  ...headers: HeadersOf<AnswerOf<O, S>>
): APIGatewayProxyStructuredResultV2 {
  return json(status, body, (headers as Array<Record<string, string>>)[0]);
}
