// The JSON Schema keywords as the contract diff (schema-changes.ts) sorts them: those that only
// describe, those it judges one by one, and those it does not judge that can only narrow.

/** Keywords that describe and never refuse a value; they may change freely. */
export const ANNOTATIONS = new Set([
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
export const JUDGED = new Set([
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
export const ONLY_NARROWS = new Set([
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
