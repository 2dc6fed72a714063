import type { ZodType } from 'zod';
import type * as z from './zod.ts';

/** Prefix of every `dataschema` URI; a fork renames it once here. */
export const SCHEMA_URI_PREFIX = 'urn:event-schema:';

/**
 * A schema of either zod API: `zod/mini` (events/zod.ts), which the template writes, or the
 * chainable `zod` a fork may still have written its own schemas with — it works the same, only
 * bundles ~70 KB more (docs/events.md).
 */
export type Schema = z.ZodMiniType | ZodType;

export interface EventContract<TType extends string = string, TSchema extends Schema = Schema> {
  type: TType;
  /** Major version; additive changes keep it, breaking changes add a new contract module. */
  version: number;
  description: string;
  /** Built the first time it is read (defineContract), then kept. */
  readonly schema: TSchema;
  examples: ReadonlyArray<z.input<TSchema>>;
  dataschema: string;
}

export const dataschemaFor = (type: string, version: number): string =>
  `${SCHEMA_URI_PREFIX}${type}:v${version}`;

const MAJOR_VERSION = /^v(\d+)$/;

/** Major version named by a `dataschema` URI, or undefined when it is not one of ours. */
export function versionOf(dataschema: string, type: string): number | undefined {
  // Called for every consumed record: a prefix check and one static pattern, no RegExp per call.
  const prefix = `${SCHEMA_URI_PREFIX}${type}:`;
  if (!dataschema.startsWith(prefix)) return undefined;
  const match = MAJOR_VERSION.exec(dataschema.slice(prefix.length));
  return match ? Number(match[1]) : undefined;
}

/**
 * A contract module's declaration. Its schema is a function that builds it — `schema: () =>
 * z.object({…})` — called the first time the contract's `schema` is read: a function builds only
 * the contracts it validates, not every one the registry names (docs/performance.md). A schema
 * given as it is (a fork's contract from before) works the same, built at import.
 */
export type ContractDefinition<TType extends string, TSchema extends Schema> = Omit<
  EventContract<TType, TSchema>,
  'dataschema' | 'schema'
> & { schema: TSchema | (() => TSchema) };

export function defineContract<TType extends string, TSchema extends Schema>(
  definition: ContractDefinition<TType, TSchema>,
): EventContract<TType, TSchema> {
  const { schema, ...contract } = definition;
  // zod schemas are objects, never functions: a function is the builder.
  let built = typeof schema === 'function' ? undefined : schema;
  return {
    ...contract,
    dataschema: dataschemaFor(contract.type, contract.version),
    get schema() {
      built ??= (schema as () => TSchema)();
      return built;
    },
  };
}
