// What changed between the JSON Schema recorded for an event's data and today's, each change
// classified for the two parties of a major version: a change breaks when an event valid under
// the recorded schema is refused by today's (old producers, queued and dead-lettered events,
// producers we did not write), or when a field the recorded schema promised may now be missing
// (consumers read it). Widening a value's range keeps old producers valid but is not free: every
// consumer validates against its own copy of the schema, so a consumer still on the recorded one
// dead-letters a value it does not know — consumers must run the new schema before a producer
// sends one. What this cannot judge (a changed pattern, an allOf) counts as breaking: a false
// alarm has a way out, a missed break not. Refinements and transforms have no JSON Schema at all:
// contracts-lock.ts guards them with the recorded examples.
// No schema-diff package classifies these per field (docs/events.md#evolving-a-contract).

/** A JSON Schema (draft-07, as z.toJSONSchema writes it) or one of its subschemas. */
export type JsonSchema = boolean | { [keyword: string]: unknown };

/**
 * `breaks`: a producer or consumer of the recorded schema could not survive it. `widens`: it
 * accepts more, so consumers still on the recorded schema refuse what new producers may send.
 * `compatible`: neither (a new optional field, which consumers' `z.object` strips).
 */
export type Effect = 'breaks' | 'widens' | 'compatible';

export interface SchemaChange {
  effect: Effect;
  /** Where, from `data`: `data.error.code`, `data.items[]`, `data.shape[kind="circle"].radius`. */
  field: string;
  /** What changed, to follow the field in a sentence: `was removed (or renamed)`. */
  change: string;
}

type Node = { [keyword: string]: unknown };

/** Keywords that describe and never refuse a value; they may change freely. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'definitions',
  '$defs',
  'title',
  'description',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
/** Keywords compared below; any other validation keyword goes to `unjudged`. */
const JUDGED = new Set([
  'type',
  'enum',
  'const',
  'format',
  'pattern',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'additionalItems',
  'prefixItems',
  'anyOf',
  'oneOf',
  'minContains',
  'maxContains',
]);
/**
 * Unjudged keywords that only ever refuse values: taking one away widens the schema.
 * (`minContains` is judged instead: taking away `minContains: 0` raises it to 1 and narrows.)
 */
const ONLY_NARROWS = new Set([
  'not',
  'allOf',
  'if',
  'then',
  'else',
  'contains',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'unevaluatedProperties',
  'unevaluatedItems',
]);

const COUNTS = {
  minLength: ['minimum length', 'maxLength'],
  maxLength: ['maximum length', 'minLength'],
  minItems: ['minimum number of items', 'maxItems'],
  maxItems: ['maximum number of items', 'minItems'],
  minProperties: ['minimum number of fields', 'maxProperties'],
  maxProperties: ['maximum number of fields', 'minProperties'],
} as const;

const isNode = (schema: unknown): schema is Node =>
  typeof schema === 'object' && schema !== null && !Array.isArray(schema);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const show = (value: unknown) => JSON.stringify(value);
const list = (values: readonly unknown[]) => values.map(show).join(', ');
const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

interface Side {
  root: JsonSchema;
}

/** Resolve local `$ref`s (`#`, `#/definitions/x`) against the side's root schema. */
function resolve(schema: JsonSchema, side: Side, seen = new Set<string>()): JsonSchema {
  if (!isNode(schema) || typeof schema.$ref !== 'string') return schema;
  const ref = schema.$ref;
  if (!ref.startsWith('#') || seen.has(ref)) return schema;
  let target: unknown = side.root;
  for (const token of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~');
    target = isNode(target) ? target[key] : undefined;
  }
  if (target === undefined) return schema;
  const { $ref: _, ...siblings } = schema;
  const resolved = resolve(target as JsonSchema, side, new Set([...seen, ref]));
  return isNode(resolved) ? { ...resolved, ...siblings } : resolved;
}

/** A node without annotations; `true` as `{}`. */
function strip(schema: JsonSchema): Node | false {
  if (schema === false) return false;
  if (schema === true) return {};
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !ANNOTATIONS.has(k)));
}

/**
 * The alternatives a node accepts, each of at most one type: `anyOf`/`oneOf` members and each
 * type of a `type` list, so `type: ["string", "null"]` and an anyOf of the two compare alike.
 */
function alternatives(schema: JsonSchema, side: Side): Array<Node | false> {
  const node = strip(resolve(schema, side));
  if (node === false) return [false];
  const members = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
  if (members) {
    const { anyOf: _a, oneOf: _o, ...shared } = node;
    return members.flatMap((member) =>
      alternatives(isNode(member) ? { ...shared, ...member } : member, side),
    );
  }
  if (Array.isArray(node.type)) {
    return (node.type as string[]).map((type) => ({ ...node, type }));
  }
  return [node];
}

interface Context {
  recorded: Side;
  current: Side;
  /** Pairs of `$ref`s being compared, so a recursive schema ends. */
  refs: Set<string>;
}

/** Every change from `recorded` to `current` under `field`. */
export function compareSchemas(
  recorded: JsonSchema,
  current: JsonSchema,
  field = 'data',
): SchemaChange[] {
  return compare(recorded, current, field, {
    recorded: { root: recorded },
    current: { root: current },
    refs: new Set(),
  });
}

function compare(
  recorded: JsonSchema,
  current: JsonSchema,
  field: string,
  context: Context,
): SchemaChange[] {
  const ref = (schema: JsonSchema) => (isNode(schema) ? (schema.$ref ?? '') : '');
  const refPair = `${ref(recorded)} ${ref(current)}`;
  if (refPair !== ' ') {
    if (context.refs.has(refPair)) return [];
    context = { ...context, refs: new Set([...context.refs, refPair]) };
  }
  const before = alternatives(recorded, context.recorded).filter((n): n is Node => n !== false);
  const after = alternatives(current, context.current).filter((n): n is Node => n !== false);
  if (!before.length) return []; // it accepted nothing: nothing can be refused now
  if (!after.length) return [breaks(field, 'no longer accepts any value')];
  if (before.length === 1 && after.length === 1)
    return compareNodes(before[0] as Node, after[0] as Node, field, context);

  // Each recorded alternative must live on in one of today's; unmatched ones of today's are new.
  const changes: SchemaChange[] = [];
  const matched = new Set<Node>();
  // `data.shape[kind="circle"].radius`; a nullable object's fields need no label.
  const labelled = (node: Node, all: Node[]) =>
    all.filter((n) => n.type !== 'null').length > 1 ? `${field}[${label(node, all)}]` : field;
  for (const old of before) {
    const tries = after.map((node) => ({
      node,
      changes: compareNodes(old, node, labelled(old, before), context),
    }));
    // Of today's alternatives that keep it, the one it changed least; when none keeps it, the
    // one of its type (and discriminator) it broke least, then the one sharing most fields.
    const keeps = tries
      .filter((t) => !breaking(t.changes))
      .sort((a, b) => a.changes.length - b.changes.length)[0];
    const closest =
      keeps ??
      tries
        .filter((t) => akin(old, t.node))
        .sort(
          (a, b) =>
            breaking(a.changes) - breaking(b.changes) ||
            shared(old, b.node) - shared(old, a.node) ||
            a.changes.length - b.changes.length,
        )[0];
    if (closest) {
      matched.add(closest.node);
      changes.push(...closest.changes);
    } else changes.push(breaks(field, `no longer accepts ${describe(old, before)}`));
  }
  for (const node of after.filter((n) => !matched.has(n)))
    changes.push(widens(field, `now also accepts ${describe(node, after)}`));
  return changes;
}

/** A required property with a constant value names an object alternative (a discriminator). */
function discriminator(node: Node): string | undefined {
  const properties = isNode(node.properties) ? node.properties : {};
  for (const name of (node.required as string[] | undefined) ?? []) {
    const property = properties[name];
    if (!isNode(property)) continue;
    const values = property.const !== undefined ? [property.const] : property.enum;
    if (Array.isArray(values) && values.length === 1) return `${name}=${show(values[0])}`;
  }
  return undefined;
}

/** Whether today's alternative can stand for a recorded one: the same type and discriminator. */
function akin(old: Node, now: Node): boolean {
  const types = [old.type, now.type];
  const sameType = old.type === now.type || same(types, ['number', 'integer']);
  return sameType && discriminator(old) === discriminator(now);
}

/** How many fields a recorded object alternative names that today's also names. */
const shared = (old: Node, now: Node) => {
  const names = (node: Node) => Object.keys(isNode(node.properties) ? node.properties : {});
  const current = new Set(names(now));
  return names(old).filter((name) => current.has(name)).length;
};

/** How an alternative is told apart from its siblings: its discriminator, else its type. */
function label(node: Node, siblings: Node[]): string {
  const own = discriminator(node) ?? (typeof node.type === 'string' ? node.type : 'any');
  const twins = siblings.filter((s) => (discriminator(s) ?? s.type ?? 'any') === own);
  return twins.length > 1 ? `${own} #${twins.indexOf(node) + 1}` : own;
}

function describe(node: Node, siblings: Node[]): string {
  const values = node.const !== undefined ? [node.const] : node.enum;
  if (Array.isArray(values)) return list(values);
  if (node.type === 'null') return 'null';
  const own = discriminator(node);
  if (own) return `the ${node.type ?? 'value'} with ${own.replace('=', ' ')}`;
  const twins = siblings.filter((s) => s.type === node.type).length;
  const type = typeof node.type === 'string' ? node.type : 'value';
  return twins > 1 ? `${article(type)} (alternative ${label(node, siblings)})` : article(type);
}

const breaks = (field: string, change: string): SchemaChange => ({
  effect: 'breaks',
  field,
  change,
});
const widens = (field: string, change: string): SchemaChange => ({
  effect: 'widens',
  field,
  change,
});
const compatible = (field: string, change: string): SchemaChange => ({
  effect: 'compatible',
  field,
  change,
});
const breaking = (changes: SchemaChange[]) => changes.filter((c) => c.effect === 'breaks').length;

function compareNodes(old: Node, now: Node, field: string, context: Context): SchemaChange[] {
  const oldType = old.type as string | undefined;
  const newType = now.type as string | undefined;
  if (newType !== undefined && oldType !== newType) {
    if (oldType === 'integer' && newType === 'number') {
      return [widens(field, 'now accepts any number, was an integer'), ...rest()];
    }
    return [
      breaks(
        field,
        oldType === undefined
          ? `now must be ${article(newType)} (any value was accepted)`
          : `is now ${article(newType)}, was ${article(oldType)}`,
      ),
    ];
  }
  if (newType === undefined && oldType !== undefined) {
    return [widens(field, `now accepts any value, was ${article(oldType)}`), ...rest()];
  }
  return rest();

  function rest(): SchemaChange[] {
    return [
      ...compareValues(old, now, field),
      ...compareText(old, now, field),
      ...compareRange(old, now, field),
      ...compareCounts(old, now, field),
      ...compareObjects(old, now, field, context),
      ...compareArrays(old, now, field, context),
      ...compareUnjudged(old, now, field),
    ];
  }
}

/** `enum` and `const`: the values a field may take. */
function compareValues(old: Node, now: Node, field: string): SchemaChange[] {
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
function compareText(old: Node, now: Node, field: string): SchemaChange[] {
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
function compareRange(old: Node, now: Node, field: string): SchemaChange[] {
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
function compareCounts(old: Node, now: Node, field: string): SchemaChange[] {
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

/** Whether `additionalProperties` lets any field it does not name through. */
const openTo = (node: Node) =>
  node.additionalProperties === undefined || node.additionalProperties === true;

function compareObjects(old: Node, now: Node, field: string, context: Context): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const properties = (node: Node) => (isNode(node.properties) ? node.properties : {}) as Node;
  const required = (node: Node) => new Set((node.required as string[] | undefined) ?? []);
  const [oldProperties, newProperties] = [properties(old), properties(now)];
  const [oldRequired, newRequired] = [required(old), required(now)];
  const at = (name: string) => `${field}.${name}`;

  for (const [name, schema] of Object.entries(oldProperties)) {
    if (!(name in newProperties)) {
      changes.push(breaks(at(name), 'was removed (or renamed)'));
      continue;
    }
    if (oldRequired.has(name) && !newRequired.has(name))
      changes.push(breaks(at(name), 'may now be missing (it was required)'));
    if (!oldRequired.has(name) && newRequired.has(name))
      changes.push(breaks(at(name), 'is now required (it was optional)'));
    changes.push(
      ...compare(schema as JsonSchema, newProperties[name] as JsonSchema, at(name), context),
    );
  }
  for (const name of Object.keys(newProperties).filter((n) => !(n in oldProperties))) {
    changes.push(
      newRequired.has(name)
        ? breaks(at(name), 'is a new required field (events without it were valid)')
        : // Consumers' z.object strips a field it does not name; a closed object refuses it.
          (old.additionalProperties === false ? widens : compatible)(
            at(name),
            'is a new optional field',
          ),
    );
  }
  // A required name with no property schema: what z.toJSONSchema never writes, but a lock may.
  for (const name of newRequired) {
    if (!(name in newProperties) && !oldRequired.has(name))
      changes.push(breaks(at(name), 'is now required'));
  }

  const [oldRest, newRest] = [old.additionalProperties, now.additionalProperties];
  if (!same(oldRest, newRest)) {
    if (newRest === false)
      changes.push(
        breaks(field, 'no longer accepts fields it does not name (additionalProperties closed)'),
      );
    else if (oldRest === false) changes.push(widens(field, 'now accepts fields it does not name'));
    else if (!openTo(now) || !openTo(old))
      changes.push(
        ...compare(
          (oldRest ?? true) as JsonSchema,
          (newRest ?? true) as JsonSchema,
          `${field}.*`,
          context,
        ),
      );
  }
  if (!same(old.propertyNames, now.propertyNames))
    changes.push(
      ...compare(
        (old.propertyNames ?? true) as JsonSchema,
        (now.propertyNames ?? true) as JsonSchema,
        `${field} (its field names)`,
        context,
      ),
    );
  return changes;
}

function compareArrays(old: Node, now: Node, field: string, context: Context): SchemaChange[] {
  // A tuple's positions: draft-07 writes them as an `items` list, 2020-12 as `prefixItems`.
  const positions = (node: Node) =>
    (Array.isArray(node.items) ? node.items : node.prefixItems) as JsonSchema[] | undefined;
  const rest = (node: Node) =>
    (Array.isArray(node.items) ? node.additionalItems : node.items) as JsonSchema | undefined;
  const changes: SchemaChange[] = [];
  const [oldPositions, newPositions] = [positions(old) ?? [], positions(now) ?? []];
  oldPositions.forEach((schema, i) => {
    const next = newPositions[i] ?? rest(now) ?? true;
    changes.push(...compare(schema, next, `${field}[${i}]`, context));
  });
  newPositions.slice(oldPositions.length).forEach((schema, i) => {
    const index = oldPositions.length + i;
    changes.push(...compare(rest(old) ?? true, schema, `${field}[${index}]`, context));
  });
  const [oldRest, newRest] = [rest(old), rest(now)];
  if ((oldRest !== undefined || newRest !== undefined) && !same(oldRest, newRest))
    changes.push(...compare(oldRest ?? true, newRest ?? true, `${field}[]`, context));
  return changes;
}

/** Keywords this does not reason about: taking a narrowing one away widens, anything else breaks. */
function compareUnjudged(old: Node, now: Node, field: string): SchemaChange[] {
  const keywords = new Set([...Object.keys(old), ...Object.keys(now)]);
  const changes: SchemaChange[] = [];
  for (const keyword of [...keywords].filter((k) => !JUDGED.has(k) && k !== '$ref')) {
    if (same(old[keyword], now[keyword])) continue;
    if (now[keyword] === undefined && ONLY_NARROWS.has(keyword))
      changes.push(widens(field, `is no longer constrained by ${keyword}`));
    else
      changes.push(
        breaks(
          field,
          `has a changed ${keyword} (this check cannot tell whether it still accepts every value it did)`,
        ),
      );
  }
  return changes;
}
