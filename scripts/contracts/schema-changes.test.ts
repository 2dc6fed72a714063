// Every kind of change to an event's data schema, before and after as zod (converted as the lock
// converts them), with the sentence contracts:check prints for each break and the line it lists
// for each compatible change.
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineContract } from '../../events/contract.ts';
import { compareWithLock, lockOf } from './contracts-lock.ts';
import { compareSchemas } from './schema-changes.ts';

// A type no fork would register: the table needs no contract of the template's.
const TYPE = 'zz.sample';
const sample = (schema: z.ZodType, examples: unknown[] = []) =>
  defineContract({
    type: TYPE,
    version: 1,
    description: 'a test contract',
    schema,
    examples: examples as z.input<typeof schema>[],
  });
const WAY_OUT = `keep v1 as recorded and make the change in a new major: npm run new:event -- ${TYPE} --version 2`;
const broken = (what: string) => `${TYPE} v1: ${what} — ${WAY_OUT}.`;
const recorded = (what: string) => `${TYPE} v1: ${what}`;
const widened = (what: string) =>
  `${TYPE} v1: ${what} — compatible once every consumer of ${TYPE} v1 runs the new schema: deploy consumers first`;

const upgradeNote = (format: string) =>
  ` (zod's regex for format "${format}"; if the only cause is a zod upgrade rewriting it, check that the new regex accepts every value the old one did and record it with npm run contracts:check -- --update --allow-breaking)`;
const regexOf = (schema: z.ZodType) => (z.toJSONSchema(schema) as { pattern: string }).pattern;
const regexChanged = (before: z.ZodType, after: z.ZodType, format: string) =>
  `must now match /${regexOf(after)}/, was /${regexOf(before)}/${upgradeNote(format)}`;

const Shape = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('circle'), radius: z.number().positive() }),
  z.object({ kind: z.literal('square'), side: z.number().positive() }),
]);
const Circle = z.object({ kind: z.literal('circle'), radius: z.number().positive() });
const Tree: z.ZodType = z.lazy(() => z.object({ label: z.string(), children: z.array(Tree) }));
const NarrowTree: z.ZodType = z.lazy(() =>
  z.object({ label: z.string().min(1), children: z.array(NarrowTree) }),
);

interface Row {
  change: string;
  before: z.ZodType;
  after: z.ZodType;
  /** The contract's examples, recorded with `before`. */
  examples?: unknown[];
  breaks?: string[];
  /** Safe once consumers run the new schema. */
  widens?: string[];
  /** Safe in any order. */
  compatible?: string[];
}

const rows: Row[] = [
  {
    change: 'nothing but a description',
    before: z.object({ id: z.string() }),
    after: z.object({ id: z.string().describe('the id') }),
  },
  // Fields of an object
  {
    change: 'a field removed',
    before: z.object({ id: z.string(), note: z.string() }),
    after: z.object({ id: z.string() }),
    breaks: [broken('data.note was removed (or renamed)')],
  },
  {
    change: 'a field renamed',
    before: z.object({ id: z.string() }),
    after: z.object({ key: z.string() }),
    breaks: [
      broken('data.id was removed (or renamed)'),
      broken('data.key is a new required field (events without it were valid)'),
    ],
  },
  {
    change: 'an optional field made required',
    before: z.object({ note: z.string().optional() }),
    after: z.object({ note: z.string() }),
    breaks: [broken('data.note is now required (it was optional)')],
  },
  {
    change: 'a required field made optional',
    before: z.object({ note: z.string() }),
    after: z.object({ note: z.string().optional() }),
    breaks: [broken('data.note may now be missing (it was required)')],
  },
  {
    change: 'a new required field',
    before: z.object({ id: z.string() }),
    after: z.object({ id: z.string(), total: z.number() }),
    breaks: [broken('data.total is a new required field (events without it were valid)')],
  },
  {
    change: 'a new optional field',
    before: z.object({ id: z.string() }),
    after: z.object({ id: z.string(), note: z.string().optional() }),
    compatible: [recorded('data.note is a new optional field')],
  },
  {
    change: 'a new field with a default (optional to producers)',
    before: z.object({ id: z.string() }),
    after: z.object({ id: z.string(), retries: z.number().default(0) }),
    compatible: [recorded('data.retries is a new optional field')],
  },
  {
    change: 'a new optional field in an object that refuses fields it does not name',
    before: z.strictObject({ id: z.string() }),
    after: z.strictObject({ id: z.string(), note: z.string().optional() }),
    widens: [widened('data.note is a new optional field')],
  },
  {
    change: 'fields it does not name refused (additionalProperties closed)',
    before: z.object({ id: z.string() }),
    after: z.strictObject({ id: z.string() }),
    breaks: [
      broken('data no longer accepts fields it does not name (additionalProperties closed)'),
    ],
  },
  {
    change: 'fields it does not name accepted again',
    before: z.strictObject({ id: z.string() }),
    after: z.object({ id: z.string() }),
    widens: [widened('data now accepts fields it does not name')],
  },
  // Types and values
  {
    change: 'a type changed',
    before: z.object({ total: z.string() }),
    after: z.object({ total: z.number() }),
    breaks: [broken('data.total is now a number, was a string')],
  },
  {
    change: 'a type narrowed (number to integer)',
    before: z.object({ count: z.number() }),
    after: z.object({ count: z.int() }),
    // A changed type is one sentence: its other keywords belong to the old type.
    breaks: [broken('data.count is now an integer, was a number')],
  },
  {
    change: 'a type widened (a second type)',
    before: z.object({ total: z.string() }),
    after: z.object({ total: z.union([z.string(), z.number()]) }),
    widens: [widened('data.total now also accepts a number')],
  },
  {
    change: 'a type narrowed (one of two types dropped)',
    before: z.object({ total: z.union([z.string(), z.number()]) }),
    after: z.object({ total: z.string() }),
    breaks: [broken('data.total no longer accepts a number')],
  },
  {
    change: 'null accepted',
    before: z.object({ note: z.string() }),
    after: z.object({ note: z.string().nullable() }),
    widens: [widened('data.note now also accepts null')],
  },
  {
    change: 'an enum value removed, another added',
    before: z.object({ op: z.enum(['add', 'subtract', 'divide']) }),
    after: z.object({ op: z.enum(['add', 'subtract', 'multiply']) }),
    breaks: [broken('data.op no longer accepts "divide"')],
    widens: [widened('data.op now also accepts "multiply"')],
  },
  {
    change: 'a literal changed',
    before: z.object({ kind: z.literal('v1') }),
    after: z.object({ kind: z.literal('v2') }),
    breaks: [broken('data.kind no longer accepts "v1"')],
    widens: [widened('data.kind now also accepts "v2"')],
  },
  {
    change: 'a pattern added, then tightened',
    before: z.object({ code: z.string(), ref: z.string().regex(/^[A-Z]+$/) }),
    after: z.object({ code: z.string().regex(/^[A-Z]+$/), ref: z.string().regex(/^[A-Z]{3}$/) }),
    breaks: [
      broken('data.code now must match /^[A-Z]+$/'),
      broken('data.ref must now match /^[A-Z]{3}$/, was /^[A-Z]+$/'),
    ],
  },
  {
    change: 'a pattern dropped',
    before: z.object({ ref: z.string().regex(/^[A-Z]+$/) }),
    after: z.object({ ref: z.string() }),
    widens: [widened('data.ref no longer needs to match /^[A-Z]+$/')],
  },
  {
    change: 'a format added',
    before: z.object({ id: z.string() }),
    after: z.object({ id: z.uuid() }),
    // zod's regex for the format beside it is the format's: one change, one sentence.
    breaks: [broken('data.id now must match format "uuid"')],
  },
  {
    // Ids derived from an Idempotency-Key are v5: a uuidv4 dead-letters them.
    change: 'a uuid narrowed to a v4 (only the regex beside the format says so)',
    before: z.object({ id: z.uuid() }),
    after: z.object({ id: z.uuidv4() }),
    breaks: [broken(`data.id ${regexChanged(z.uuid(), z.uuidv4(), 'uuid')}`)],
  },
  {
    change: "a datetime's offset no longer accepted",
    before: z.object({ at: z.iso.datetime({ offset: true }) }),
    after: z.object({ at: z.iso.datetime() }),
    breaks: [
      broken(
        `data.at ${regexChanged(z.iso.datetime({ offset: true }), z.iso.datetime(), 'date-time')}`,
      ),
    ],
  },
  {
    change: 'a required prefix changed',
    before: z.object({ ref: z.string().startsWith('a') }),
    after: z.object({ ref: z.string().startsWith('b') }),
    breaks: [broken(`data.ref must now match /^b.*/, was /^a.*/${upgradeNote('starts_with')}`)],
  },
  {
    // zod writes the email regex into an allOf beside the new one and drops the format.
    change: 'a regex added to an email',
    before: z.object({ to: z.email() }),
    after: z.object({ to: z.email().regex(/@example\.com$/) }),
    breaks: [
      broken(
        'data.to has a changed allOf (this check cannot tell whether it still accepts every value it did)',
      ),
    ],
  },
  {
    change: "an email's extra regex dropped",
    before: z.object({ to: z.email().regex(/@example\.com$/) }),
    after: z.object({ to: z.email() }),
    widens: [widened('data.to is no longer constrained by allOf')],
  },
  {
    change: 'bounds tightened',
    before: z.object({ status: z.int().min(100).max(599), name: z.string().max(256) }),
    after: z.object({ status: z.int().min(200).max(599), name: z.string().max(64) }),
    breaks: [
      broken('data.status lower bound tightened from ≥ 100 to ≥ 200'),
      broken('data.name maximum length lowered from 256 to 64'),
    ],
  },
  {
    change: 'bounds relaxed, an exclusive bound made inclusive',
    before: z.object({ n: z.number().gt(0).max(10), name: z.string().min(3) }),
    after: z.object({ n: z.number().min(0).max(20), name: z.string().min(1) }),
    widens: [
      widened('data.n lower bound relaxed from > 0 to ≥ 0'),
      widened('data.n upper bound relaxed from ≤ 10 to ≤ 20'),
      widened('data.name minimum length lowered from 3 to 1'),
    ],
  },
  // Nested objects
  {
    change: 'an enum value removed in a nested object',
    before: z.object({ error: z.object({ code: z.enum(['DIVISION_BY_ZERO', 'OUT_OF_RANGE']) }) }),
    after: z.object({ error: z.object({ code: z.enum(['DIVISION_BY_ZERO']) }) }),
    breaks: [broken('data.error.code no longer accepts "OUT_OF_RANGE"')],
  },
  {
    change: 'a field removed from a nullable nested object, another added',
    before: z.object({ error: z.object({ code: z.string(), hint: z.string() }).nullable() }),
    after: z.object({
      error: z.object({ code: z.string(), detail: z.string().optional() }).nullable(),
    }),
    breaks: [broken('data.error.hint was removed (or renamed)')],
    compatible: [recorded('data.error.detail is a new optional field')],
  },
  {
    change: 'a nested field narrowed in a recursive schema',
    before: z.object({ tree: Tree }),
    after: z.object({ tree: NarrowTree }),
    breaks: [broken('data.tree.label now has a minimum length of 1')],
  },
  // Arrays
  {
    change: "a field of an array's items changed, a new optional one added",
    before: z.object({ lines: z.array(z.object({ sku: z.string(), qty: z.string() })) }),
    after: z.object({
      lines: z.array(z.object({ sku: z.string(), qty: z.number(), note: z.string().optional() })),
    }),
    breaks: [broken('data.lines[].qty is now a number, was a string')],
    compatible: [recorded('data.lines[].note is a new optional field')],
  },
  {
    change: 'fewer items allowed',
    before: z.object({ tags: z.array(z.string()).max(10) }),
    after: z.object({ tags: z.array(z.string()).max(5) }),
    breaks: [broken('data.tags maximum number of items lowered from 10 to 5')],
  },
  {
    change: 'an array of a wider item type',
    before: z.object({ ids: z.array(z.string()) }),
    after: z.object({ ids: z.array(z.union([z.string(), z.number()])) }),
    widens: [widened('data.ids[] now also accepts a number')],
  },
  {
    change: "a tuple's position narrowed",
    before: z.object({ pair: z.tuple([z.string(), z.number()]) }),
    after: z.object({ pair: z.tuple([z.string(), z.int()]) }),
    breaks: [broken('data.pair[1] is now an integer, was a number')],
  },
  {
    change: 'a union member removed from the items of an array',
    before: z.object({ shapes: z.array(Shape) }),
    after: z.object({ shapes: z.array(Circle) }),
    breaks: [broken('data.shapes[] no longer accepts the object with kind "square"')],
  },
  {
    change: 'a multiple required that the old one was not a multiple of',
    before: z.object({ cents: z.int().multipleOf(5) }),
    after: z.object({ cents: z.int().multipleOf(10) }),
    breaks: [broken('data.cents now must be a multiple of 10, was of 5')],
  },
  // Maps
  {
    change: "a record's values narrowed",
    before: z.object({ counts: z.record(z.string(), z.number()) }),
    after: z.object({ counts: z.record(z.string(), z.string()) }),
    breaks: [broken('data.counts.* is now a string, was a number')],
  },
  {
    change: "a record's values widened",
    before: z.object({ counts: z.record(z.string(), z.int()) }),
    after: z.object({ counts: z.record(z.string(), z.number()) }),
    widens: [
      widened('data.counts.* now accepts any number, was an integer'),
      widened('data.counts.* no longer has a lower bound (was ≥ -9007199254740991)'),
      widened('data.counts.* no longer has an upper bound (was ≤ 9007199254740991)'),
    ],
  },
  // Unions
  {
    change: 'a union member removed',
    before: z.object({ shape: Shape }),
    after: z.object({ shape: Circle }),
    breaks: [broken('data.shape no longer accepts the object with kind "square"')],
  },
  {
    change: 'a union member added',
    before: z.object({ shape: Circle }),
    after: z.object({ shape: Shape }),
    widens: [widened('data.shape now also accepts the object with kind "square"')],
  },
  {
    change: "a field of one union member narrowed, another's widened",
    before: z.object({ shape: Shape }),
    after: z.object({
      shape: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('circle'), radius: z.int().positive() }),
        z.object({ kind: z.literal('square'), side: z.number().nonnegative() }),
      ]),
    }),
    breaks: [broken('data.shape[kind="circle"].radius is now an integer, was a number')],
    widens: [widened('data.shape[kind="square"].side lower bound relaxed from > 0 to ≥ 0')],
  },
  {
    change: 'a union of types narrowed inside an object of a union',
    before: z.object({ value: z.union([z.string(), z.number(), z.boolean()]) }),
    after: z.object({ value: z.union([z.string(), z.boolean()]) }),
    breaks: [broken('data.value no longer accepts a number')],
  },
  {
    change: "a field of a union member narrowed after the members' order changed",
    before: z.object({ v: z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]) }),
    after: z.object({ v: z.union([z.object({ b: z.int() }), z.object({ a: z.string() })]) }),
    breaks: [broken('data.v[object #2].b is now an integer, was a number')],
  },
  {
    change: 'a union member kept by two of today’s, one of them unchanged',
    before: z.object({ v: z.union([z.object({ a: z.string() }), z.number()]) }),
    after: z.object({
      v: z.union([
        z.object({ a: z.string(), b: z.string().optional() }),
        z.object({ a: z.string() }),
        z.number(),
      ]),
    }),
    widens: [widened('data.v now also accepts an object (alternative object #1)')],
  },
  // What the JSON Schema cannot show: the recorded examples catch it
  {
    change: 'a refinement that refuses a recorded example',
    before: z.object({ name: z.string() }),
    after: z.object({ name: z.string().refine((s) => s.length < 5, 'must be shorter than 5') }),
    examples: [{ name: 'Ada' }, { name: 'Grace Hopper' }],
    breaks: [
      broken(
        'the recorded example {"name":"Grace Hopper"} is refused by today\'s schema (data.name: must be shorter than 5)',
      ),
    ],
  },
  {
    change: 'a transform that refuses a recorded example',
    before: z.object({ amount: z.string().transform((s) => s.trim()) }),
    after: z.object({
      amount: z.string().transform((s, ctx) => {
        if (s.includes('e')) ctx.addIssue({ code: 'custom', message: 'no exponents' });
        return s.trim();
      }),
    }),
    examples: [{ amount: '1e3' }],
    breaks: [
      broken(
        'the recorded example {"amount":"1e3"} is refused by today\'s schema (data.amount: no exponents)',
      ),
    ],
  },
  {
    change: 'a refinement every recorded example still passes',
    before: z.object({ name: z.string() }),
    after: z.object({ name: z.string().refine((s) => s.length < 5) }),
    examples: [{ name: 'Ada' }],
  },
];

describe('compareWithLock: one sentence per break, the way out in each', () => {
  it.each(rows)(
    '$change',
    ({ before, after, examples, breaks = [], widens = [], compatible = [] }) => {
      const verdict = compareWithLock(lockOf([sample(before, examples)]), [
        sample(after, examples),
      ]);
      expect(verdict.breaks.map((b) => b.sentence)).toEqual(breaks);
      expect(verdict.widenings).toEqual(widens);
      expect(verdict.unrecorded).toEqual(compatible);
    },
  );
});

describe('compareSchemas: keywords it cannot judge', () => {
  it('counts a changed one as a break, and taking away one that only narrows as compatible', () => {
    const was = { type: 'string', not: { const: '' }, allOf: [{ minLength: 1 }] };
    expect(compareSchemas(was, { ...was, not: { const: 'x' } })).toEqual([
      {
        effect: 'breaks',
        field: 'data',
        change:
          'has a changed not (this check cannot tell whether it still accepts every value it did)',
      },
    ]);
    expect(compareSchemas(was, { type: 'string' })).toEqual([
      { effect: 'widens', field: 'data', change: 'is no longer constrained by not' },
      { effect: 'widens', field: 'data', change: 'is no longer constrained by allOf' },
    ]);
  });

  it('widens when a keyword that only refuses values is taken away', () => {
    const array = { type: 'array', contains: { type: 'string' } };
    const object = { type: 'object' };
    for (const [was, keyword] of [
      [{ ...object, dependentRequired: { a: ['b'] } }, 'dependentRequired'],
      [{ ...object, dependentSchemas: { a: { required: ['b'] } } }, 'dependentSchemas'],
      [{ ...object, unevaluatedProperties: false }, 'unevaluatedProperties'],
      [{ ...array, unevaluatedItems: false }, 'unevaluatedItems'],
    ] as const) {
      const { [keyword]: _, ...now } = was as Record<string, unknown>;
      expect(compareSchemas(was, now)).toEqual([
        { effect: 'widens', field: 'data', change: `is no longer constrained by ${keyword}` },
      ]);
    }
  });

  it('counts the items that must match contains, 1 unless said', () => {
    const array = { type: 'array', contains: { type: 'string' } };
    expect(compareSchemas({ ...array, minContains: 0 }, array)).toEqual([
      {
        effect: 'breaks',
        field: 'data',
        change: 'minimum number of items matching contains raised from 0 to 1',
      },
    ]);
    expect(compareSchemas({ ...array, minContains: 2 }, array)).toEqual([
      {
        effect: 'widens',
        field: 'data',
        change: 'minimum number of items matching contains lowered from 2 to 1',
      },
    ]);
    expect(compareSchemas({ ...array, maxContains: 3 }, array)).toEqual([
      {
        effect: 'widens',
        field: 'data',
        change: 'no longer has a maximum number of items matching contains (was 3)',
      },
    ]);
    expect(compareSchemas(array, { ...array, maxContains: 3 })[0]?.effect).toBe('breaks');
  });

  it("compares zod's regex beside an unchanged format (what its options narrow), not beside a changed one", () => {
    const uuid = { type: 'string', format: 'uuid', pattern: '^[0-9a-f-]{36}$' };
    // A zod upgrade rewriting its regex looks the same: a false alarm, with its way out.
    expect(compareSchemas(uuid, { ...uuid, pattern: '^[0-9a-fA-F-]{36}$' })).toEqual([
      {
        effect: 'breaks',
        field: 'data',
        change: `must now match /^[0-9a-fA-F-]{36}$/, was /^[0-9a-f-]{36}$/${upgradeNote('uuid')}`,
      },
    ]);
    expect(compareSchemas(uuid, { ...uuid, format: 'email', pattern: '@' })).toEqual([
      {
        effect: 'breaks',
        field: 'data',
        change: 'must now match format "email", was format "uuid"',
      },
    ]);
    // A format dropped for a pattern of the contract's own: both said.
    expect(compareSchemas(uuid, { type: 'string', pattern: '^x' }).map((c) => c.effect)).toEqual([
      'widens',
      'breaks',
    ]);
  });

  it('ends on a recursive schema and reads $refs on both sides', () => {
    const tree = (label: object) => ({
      $ref: '#/definitions/node',
      definitions: {
        node: {
          type: 'object',
          properties: { label, children: { type: 'array', items: { $ref: '#/definitions/node' } } },
        },
      },
    });
    expect(compareSchemas(tree({ type: 'string' }), tree({ type: 'number' }))).toEqual([
      { effect: 'breaks', field: 'data.label', change: 'is now a number, was a string' },
    ]);
  });
});
