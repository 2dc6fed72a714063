/**
 * JSON.parse that never loses a number: numbers that are not safe integers are kept as their
 * source text (a string), so decimals like 0.1 or 12345678901234567890.5 stay exact.
 * Uses the JSON.parse source-text access of Node ≥ 22.
 */
export function parseJson(text: string): unknown {
  return JSON.parse(text, function keepExactNumbers(_key, value, context?: { source?: string }) {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source) {
      return context.source;
    }
    return value;
  });
}
