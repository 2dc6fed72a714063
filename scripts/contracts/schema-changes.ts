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

import { ANNOTATIONS, JUDGED, ONLY_NARROWS } from './keywords.ts';
import {
  article,
  breaks,
  compareCounts,
  compareRange,
  compareText,
  compareValues,
  compatible,
  isNode,
  list,
  type Node,
  same,
  show,
  widens,
} from './value-changes.ts';

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
