import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ContractViolation } from '../../events/contract-violation.ts';
import { HttpProblem, problemResponse } from './problem.ts';

export interface ProblemDetailsOptions {
  logger: Logger;
}

/** Translate whatever was thrown into a problem; unknown errors never leak their message. */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ContractViolation) {
    return new HttpProblem(400, 'Invalid request', error.message, { code: error.code });
  }
  const named = error as {
    name?: string;
    statusCode?: unknown;
    expose?: unknown;
    message?: string;
  };
  // Powertools idempotency, for requests carrying an Idempotency-Key.
  if (named.name === 'IdempotencyValidationError') {
    return new HttpProblem(
      422,
      'Idempotency-Key reused',
      'This Idempotency-Key was used with a different request body',
    );
  }
  if (named.name === 'IdempotencyAlreadyInProgressError') {
    return new HttpProblem(
      409,
      'Request in progress',
      'A request with this Idempotency-Key is still being processed',
    );
  }
  // Middy's HTTP errors (e.g. @middy/http-router's 404 and 405).
  if (typeof named.statusCode === 'number' && named.expose === true) {
    const titles: Record<number, string> = { 404: 'Not Found', 405: 'Method Not Allowed' };
    return new HttpProblem(
      named.statusCode,
      titles[named.statusCode] ?? 'Request failed',
      named.message,
    );
  }
  return new HttpProblem(500, 'Internal Server Error');
}

/** Middy middleware (onError): every failure of an HTTP handler becomes application/problem+json. */
export const problemDetails = ({
  logger,
}: ProblemDetailsOptions): MiddlewareObj<APIGatewayProxyEventV2> => ({
  onError: (request) => {
    const problem = toProblem(request.error);
    if (problem.status >= 500) logger.error('Request failed', { error: request.error });
    else logger.info('Request refused', { status: problem.status, detail: problem.detail });
    request.response = problemResponse(problem, request.event?.rawPath);
  },
});
