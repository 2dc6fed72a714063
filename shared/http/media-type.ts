/**
 * Whether a Content-Type is JSON: `application/json` or a `+json` type (`application/problem+json`),
 * with or without parameters (`; charset=utf-8`). One answer for the handlers and the API's checks.
 */
export const isJsonMediaType = (contentType: string): boolean =>
  /^application\/([^\s;]+\+)?json\s*(;|$)/i.test(contentType);
