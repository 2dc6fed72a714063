import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ZodObject } from 'zod';
import type { Schema } from '../../events/contract.ts';
import type * as z from '../../events/zod.ts';

/** An object schema of either zod API (events/contract.ts, Schema). */
type ObjectSchema = z.ZodMiniObject | ZodObject;

import { HttpProblem } from './problem.ts';
import { json } from './request.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A successful answer of an operation: its `application/json` body and its headers. */
export interface HttpAnswer {
  description: string;
  body?: Schema;
  /** By their usual spelling (`Location`); each one not optional is always sent. */
  headers?: ObjectSchema;
}

/**
 * One HTTP route as its clients see it, declared in the `routes.ts` beside the function's handler:
 * `createHttpApi` routes on its method and path and validates the request with its schemas before
 * the handler runs (validate-request.ts), the handler answers through `respond` and `problem`, and
 * `npm run openapi` writes it into openapi.yaml. So a route cannot be served without being
 * documented, nor documented other than it is served.
 */
export interface HttpOperation {
  method: HttpMethod;
  /** As in serverless.yml's `httpApi` event, parameters in braces: `/orders/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  request?: {
    /** The path parameters; the handler reads them parsed as `event.input.path`. */
    path?: ObjectSchema;
    /** The query parameters: `event.input.query`. */
    query?: ObjectSchema;
    /** An `application/json` body: `event.input.body`. */
    body?: Schema;
  };
  /**
   * Takes an optional `Idempotency-Key` header (`event.input.idempotencyKey`, Powertools'
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

type RequestPart<O extends HttpOperation, K extends 'path' | 'query' | 'body'> = O extends {
  request: { [P in K]: infer S extends Schema };
}
  ? z.output<S>
  : undefined;

/** The request parts `operation` declares, parsed with its schemas. */
export interface HttpInput<O extends HttpOperation> {
  path: RequestPart<O, 'path'>;
  query: RequestPart<O, 'query'>;
  body: RequestPart<O, 'body'>;
  /** The `Idempotency-Key` header of an idempotent operation, when the client sent one. */
  idempotencyKey: O extends { idempotent: true | boolean } ? string | undefined : undefined;
}

/** What the handler of `operation` gets: the event, with what it declares parsed as `input`. */
export type HttpEvent<O extends HttpOperation> = APIGatewayProxyEventV2 & { input: HttpInput<O> };

type AnswerOf<O extends HttpOperation, S extends keyof O['responses']> = O['responses'][S];
type BodyOf<A> = A extends { body: infer B extends Schema } ? z.output<B> : undefined;
type HeadersOf<A> = A extends { headers: infer H extends ObjectSchema }
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

/**
 * A problem `operation` declares (its `problems`), to throw: the compiler refuses a status the
 * operation does not document.
 */
export function problem<
  O extends HttpOperation,
  S extends keyof NonNullable<O['problems']> & number,
>(
  _operation: O,
  status: S,
  title: string,
  detail?: string,
  extensions?: Record<string, unknown>,
): HttpProblem {
  return new HttpProblem(status, title, detail, extensions);
}
