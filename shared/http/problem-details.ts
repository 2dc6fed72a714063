import { STATUS_CODES } from 'node:http';
import type {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import { HttpError } from '@middy/util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ContractViolation } from '../../events/contract-violation.ts';
import { HttpProblem, problemResponse } from './problem.ts';

export interface ProblemDetailsOptions {
  logger: Logger;
}

// Powertools Idempotency's errors are recognised by the name each sets, not instanceof: importing
// the classes bundles ~23 KB of the library into every HTTP function, also those that never use an
// Idempotency-Key (the package has no side-effect-free path to its errors). The unit test throws
// the library's real errors, so a rename there fails it.
const isError = <T extends Error>(error: unknown, name: T['name'] & string): error is T =>
  error instanceof Error && error.name === name;

/** Translate whatever was thrown into a problem; unknown errors never leak their message. */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof ContractViolation) {
    return new HttpProblem(400, 'Invalid request', error.message, { code: error.code });
  }
  // Powertools idempotency, for requests carrying an Idempotency-Key.
  if (isError<IdempotencyValidationError>(error, 'IdempotencyValidationError')) {
    return new HttpProblem(
      422,
      'Idempotency-Key reused',
      'This Idempotency-Key was used with a different request body',
    );
  }
  if (isError<IdempotencyAlreadyInProgressError>(error, 'IdempotencyAlreadyInProgressError')) {
    return new HttpProblem(
      409,
      'Request in progress',
      'A request with this Idempotency-Key is still being processed',
    );
  }
  // Middy's HTTP errors (@middy/util createError), when they are meant to be shown.
  if (error instanceof HttpError && error.expose) {
    return new HttpProblem(
      error.statusCode,
      STATUS_CODES[error.statusCode] ?? 'Request failed',
      error.message,
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
