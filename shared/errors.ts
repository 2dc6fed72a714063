import { ContractViolation } from '../events/contract-violation.ts';

/**
 * A failure that will never succeed however often it is retried: bad input, an unknown type, a
 * rule the event breaks. Consumers send such records to the DLQ at once instead of retrying.
 * Everything else is transient and retried.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A transient failure that knows when a retry makes sense (a webhook receiver's `Retry-After`, a
 * rate limit's reset): the consumer's backoff honours the hint within its schedule's bounds.
 */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface FailureReason {
  permanent: boolean;
  code: string;
  message: string;
}

/** How the consumer stack classifies any thrown value. */
export function classifyFailure(error: unknown): FailureReason {
  if (error instanceof PermanentError || error instanceof ContractViolation) {
    return { permanent: true, code: error.code, message: error.message };
  }
  if (error instanceof Error) {
    return { permanent: false, code: error.name || 'Error', message: error.message };
  }
  return { permanent: false, code: 'UnknownError', message: String(error) };
}
