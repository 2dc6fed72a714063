// The changes of a field's own value between two JSON Schemas — the values it may take, its text
// rules, its range and its counts — classified as scripts/contracts/schema-changes.ts does for the
// whole schema (it walks objects, arrays and alternatives, and calls these for each field).
import type { SchemaChange } from './schema-changes.ts';

/** A JSON Schema object (a subschema that is not `true`/`false`). */
export type Node = { [keyword: string]: unknown };

export const isNode = (schema: unknown): schema is Node =>
  typeof schema === 'object' && schema !== null && !Array.isArray(schema);

export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
export const show = (value: unknown) => JSON.stringify(value);
export const list = (values: readonly unknown[]) => values.map(show).join(', ');
export const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

export const breaks = (field: string, change: string): SchemaChange => ({
  effect: 'breaks',
  field,
  change,
});
export const widens = (field: string, change: string): SchemaChange => ({
  effect: 'widens',
  field,
  change,
});
export const compatible = (field: string, change: string): SchemaChange => ({
  effect: 'compatible',
  field,
  change,
});

const COUNTS = {
  minLength: ['minimum length', 'maxLength'],
  maxLength: ['maximum length', 'minLength'],
  minItems: ['minimum number of items', 'maxItems'],
  maxItems: ['maximum number of items', 'minItems'],
  minProperties: ['minimum number of fields', 'maxProperties'],
  maxProperties: ['maximum number of fields', 'minProperties'],
} as const;

/** `enum` and `const`: the values a field may take. */
export function compareValues(old: Node, now: Node, field: string): SchemaChange[] {
  const values = (node: Node) =>
    node.const !== undefined ? [node.const] : (node.enum as unknown[] | undefined);
  const before = values(old);
  const after = values(now);
  if (!after)
    return before ? [widens(field, `now accepts any value of its type, was ${list(before)}`)] : [];
  if (!before) return [breaks(field, `now only accepts ${list(after)}`)];
  const has = (set: unknown[], value: unknown) => set.some((v) => same(v, value));
  const removed = before.filter((v) => !has(after, v));
  const added = after.filter((v) => !has(before, v));
  return [
    ...(removed.length ? [breaks(field, `no longer accepts ${list(removed)}`)] : []),
    ...(added.length ? [widens(field, `now also accepts ${list(added)}`)] : []),
  ];
}

/**
 * `format` and `pattern`: a new or changed one may refuse what was accepted. Beside a `format`,
 * the `pattern` is zod's regex for it, and it alone carries what the format's options narrow
 * (`z.uuid()` → `z.uuidv4()`, a datetime's offset or precision, `startsWith`): while the format
 * stays, the pattern compares too. Where the format itself changes, one sentence says so and the
 * pattern beside it goes with it; a pattern without a format is the contract's own.
 */
export function compareText(old: Node, now: Node, field: string): SchemaChange[] {
  const format = (v: unknown) => `format ${show(v)}`;
  const regex = (v: unknown) => `/${v}/`;
  if (same(old.format, now.format)) return comparePattern(old.pattern, now.pattern, old.format);
  const changes: SchemaChange[] = [];
  // `z.email().regex(…)` writes the email regex into an allOf and drops the format: the regex is
  // still there, so the format was not taken away (the allOf says what was added).
  const kept = (from: Node, to: Node) =>
    from.format !== undefined &&
    typeof from.pattern === 'string' &&
    patternsOf(to).has(from.pattern);
  const own = (node: Node) => (node.format === undefined ? node.pattern : undefined);
  if (now.format === undefined) {
    if (!kept(old, now))
      changes.push(widens(field, `no longer needs to match ${format(old.format)}`));
  } else if (old.format === undefined) {
    if (!kept(now, old)) changes.push(breaks(field, `now must match ${format(now.format)}`));
  } else {
    changes.push(breaks(field, `must now match ${format(now.format)}, was ${format(old.format)}`));
  }
  changes.push(...comparePattern(own(old), own(now)));
  return changes;

  function comparePattern(before: unknown, after: unknown, beside?: unknown): SchemaChange[] {
    if (same(before, after)) return [];
    if (after === undefined) return [widens(field, `no longer needs to match ${regex(before)}`)];
    if (before === undefined) return [breaks(field, `now must match ${regex(after)}`)];
    const upgrade =
      beside === undefined
        ? ''
        : ` (zod's regex for ${format(beside)}; if the only cause is a zod upgrade rewriting it, check that the new regex accepts every value the old one did and record it with npm run contracts:check -- --update --allow-breaking)`;
    return [breaks(field, `must now match ${regex(after)}, was ${regex(before)}${upgrade}`)];
  }
}

/** The patterns a string must match: its own and those of `allOf` members that only add one. */
function patternsOf(node: Node): Set<unknown> {
  const onlyPattern = (m: unknown): m is Node =>
    isNode(m) &&
    typeof m.pattern === 'string' &&
    Object.keys(m).every((k) => k === 'pattern' || (k === 'type' && m.type === 'string'));
  const members = Array.isArray(node.allOf) ? node.allOf : [];
  return new Set([node.pattern, ...members.filter(onlyPattern).map((m) => m.pattern)]);
}

interface Bound {
  value: number;
  exclusive: boolean;
}

/** `minimum`/`exclusiveMinimum` (and the maxima) as one bound each, so ≥ 1 → > 0 compares. */
export function compareRange(old: Node, now: Node, field: string): SchemaChange[] {
  const bound = (node: Node, side: 'lower' | 'upper'): Bound | undefined => {
    const [inclusive, exclusive] =
      side === 'lower'
        ? [node.minimum, node.exclusiveMinimum]
        : [node.maximum, node.exclusiveMaximum];
    const bounds: Bound[] = [
      ...(typeof inclusive === 'number' ? [{ value: inclusive, exclusive: false }] : []),
      ...(typeof exclusive === 'number' ? [{ value: exclusive, exclusive: true }] : []),
    ];
    const sign = side === 'lower' ? 1 : -1;
    // The tighter of the two: the larger lower bound, the smaller upper one; exclusive on a tie.
    return bounds.sort(
      (a, b) => sign * (b.value - a.value) || Number(b.exclusive) - Number(a.exclusive),
    )[0];
  };
  const changes: SchemaChange[] = [];
  for (const side of ['lower', 'upper'] as const) {
    const before = bound(old, side);
    const after = bound(now, side);
    const text = (b: Bound) =>
      `${side === 'lower' ? (b.exclusive ? '>' : '≥') : b.exclusive ? '<' : '≤'} ${b.value}`;
    if (!after) {
      if (before)
        changes.push(
          widens(
            field,
            `no longer has ${side === 'lower' ? 'a' : 'an'} ${side} bound (was ${text(before)})`,
          ),
        );
      continue;
    }
    if (!before) {
      changes.push(
        breaks(field, `now has ${side === 'lower' ? 'a' : 'an'} ${side} bound ${text(after)}`),
      );
      continue;
    }
    const sign = side === 'lower' ? 1 : -1;
    const tighter =
      sign * (after.value - before.value) > 0 ||
      (after.value === before.value && after.exclusive && !before.exclusive);
    if (text(after) === text(before)) continue;
    changes.push(
      (tighter ? breaks : widens)(
        field,
        `${side} bound ${tighter ? 'tightened' : 'relaxed'} from ${text(before)} to ${text(after)}`,
      ),
    );
  }
  const divisor = (node: Node) => node.multipleOf as number | undefined;
  const [was, is] = [divisor(old), divisor(now)];
  if (was !== is) {
    if (is === undefined) changes.push(widens(field, `no longer needs to be a multiple of ${was}`));
    else if (was !== undefined && Number.isInteger(was / is))
      changes.push(widens(field, `now must be a multiple of ${is}, was of ${was}`));
    else
      changes.push(
        breaks(
          field,
          `now must be a multiple of ${is}${was === undefined ? '' : `, was of ${was}`}`,
        ),
      );
  }
  return changes;
}

/** Lengths and sizes: a raised minimum or a lowered maximum refuses what was accepted. */
export function compareCounts(old: Node, now: Node, field: string): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const [keyword, [name]] of Object.entries(COUNTS)) {
    const before = old[keyword] as number | undefined;
    const after = now[keyword] as number | undefined;
    if (before === after) continue;
    const isMinimum = keyword.startsWith('min');
    if (after === undefined || (isMinimum && after === 0)) {
      if (before !== undefined && !(isMinimum && before === 0))
        changes.push(widens(field, `no longer has a ${name} (was ${before})`));
    } else if (before === undefined) {
      changes.push(breaks(field, `now has a ${name} of ${after}`));
    } else {
      const tighter = isMinimum ? after > before : after < before;
      changes.push(
        (tighter ? breaks : widens)(
          field,
          `${name} ${isMinimum === tighter ? 'raised' : 'lowered'} from ${before} to ${after}`,
        ),
      );
    }
  }
  // How many items must match `contains` (1 unless said), compared while `contains` stays.
  if (old.contains !== undefined && now.contains !== undefined) {
    for (const [keyword, name, unset] of [
      ['minContains', 'minimum number of items matching contains', 1],
      ['maxContains', 'maximum number of items matching contains', Infinity],
    ] as const) {
      const before = (old[keyword] as number | undefined) ?? unset;
      const after = (now[keyword] as number | undefined) ?? unset;
      if (before === after) continue;
      const tighter = keyword === 'minContains' ? after > before : after < before;
      const change =
        after === Infinity
          ? `no longer has a ${name} (was ${before})`
          : before === Infinity
            ? `now has a ${name} of ${after}`
            : `${name} ${after > before ? 'raised' : 'lowered'} from ${before} to ${after}`;
      changes.push((tighter ? breaks : widens)(field, change));
    }
  }
  if (now.uniqueItems === true && old.uniqueItems !== true)
    changes.push(breaks(field, 'now refuses repeated items'));
  else if (old.uniqueItems === true && now.uniqueItems !== true)
    changes.push(widens(field, 'now accepts repeated items'));
  return changes;
}
