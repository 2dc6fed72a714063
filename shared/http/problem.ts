import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** An HTTP error answered as RFC 9457 problem details. `title` is fixed per kind; `detail` explains this one. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A problem document stays a few KB whatever a request held: its texts and lists are cut. */
const LIMITS = { detail: 1000, text: 200, items: 20 } as const;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** Strings cut to LIMITS.text, lists to LIMITS.items (with how many were left out), recursively. */
function bounded(value: unknown): unknown {
  if (typeof value === 'string') return cut(value, LIMITS.text);
  if (Array.isArray(value)) {
    const kept = value.slice(0, LIMITS.items).map(bounded);
    return value.length > LIMITS.items
      ? [...kept, `… and ${value.length - LIMITS.items} more`]
      : kept;
  }
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bounded(v)]));
  return value;
}

export function problemResponse(
  problem: HttpProblem,
  instance?: string,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify({
      type: 'about:blank',
      title: problem.title,
      status: problem.status,
      ...(problem.detail ? { detail: cut(problem.detail, LIMITS.detail) } : {}),
      ...(instance ? { instance: cut(instance, LIMITS.text) } : {}),
      ...(bounded(problem.extensions) as Record<string, unknown>),
    }),
  };
}
