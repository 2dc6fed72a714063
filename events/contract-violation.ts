import type * as z from './zod.ts';

export type ContractViolationCode =
  | 'MALFORMED_MESSAGE'
  | 'INVALID_ENVELOPE'
  | 'UNKNOWN_EVENT_TYPE'
  | 'UNKNOWN_EVENT_VERSION'
  | 'INVALID_EVENT_DATA'
  | 'MESSAGE_TOO_LARGE';

/** An event that breaks its contract. It will never become valid by retrying. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
  constructor(
    readonly code: ContractViolationCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** "data.a: "x" is not a decimal number; data.operation: …" — every issue, each naming its field. */
export function describeIssues(error: z.core.$ZodError, prefix?: string): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
