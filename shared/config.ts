import * as z from '../events/zod.ts';

/** A missing or invalid environment variable; thrown at cold start, naming every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parse environment variables with a zod object schema. Call it once at module scope, so a bad
 * deployment fails its cold start with a message naming the variable instead of failing later.
 */
export function loadConfig<TShape extends z.core.$ZodLooseShape>(
  shape: TShape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodMiniObject<TShape>> {
  // Spread: a shape's schemas are built here, once (shapeOf), and zod keeps the object it is given.
  const result = z.object({ ...shape }).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.')} (${issue.message})`)
      .join(', ');
    throw new ConfigError(`Invalid configuration: environment variable ${problems}`);
  }
  return result.data;
}

type Builders = Record<string, () => z.core.$ZodType>;

/**
 * `base`'s variables and `builders`', as a shape whose schemas are built when it is read — when a
 * function spreads it into loadConfig — not when this module loads: every function imports all
 * the shapes below and uses one. The mark below lets the bundler drop a shape no function reads
 * (its arguments must stay free of side effects: no spread).
 */
// @__NO_SIDE_EFFECTS__
function shapeOf<TBase extends Builders, TBuilders extends Builders>(
  base: TBase,
  builders: TBuilders,
): { [K in keyof (TBase & TBuilders)]: ReturnType<(TBase & TBuilders)[K]> } {
  const shape = {};
  // Merged first: a key in both is `builders`' (as a spread would have it), defined once.
  for (const [key, build] of Object.entries({ ...base, ...builders }))
    Object.defineProperty(shape, key, { get: build, enumerable: true, configurable: true });
  return shape as { [K in keyof (TBase & TBuilders)]: ReturnType<(TBase & TBuilders)[K]> };
}

const base = {
  SERVICE_NAME: () => z.string().check(z.minLength(1)),
};

/** Variables every function of this template reads. */
export const baseConfigShape = shapeOf(base, {});

/** A whole number from an environment variable's text, within `min`..`max`. */
const wholeNumber = (min: number, max: number) =>
  z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));

/** Variables of functions that publish events. */
export const publisherConfigShape = shapeOf(base, {
  EVENTS_TOPIC_ARN: () => z.string().check(z.startsWith('arn:')),
});

/** Variables every queue consumer reads. */
export const consumerConfigShape = shapeOf(base, {
  DEAD_LETTER_QUEUE_URL: () => z.url(),
  /** Required by consumers that keep idempotency records (`idempotency: idempotencyTable`). */
  IDEMPOTENCY_TABLE: () => z.optional(z.string().check(z.minLength(1))),
  IDEMPOTENCY_TTL_SECONDS: () =>
    z._default(z.coerce.number().check(z.int(), z.positive()), 24 * 60 * 60),
  /** Transient failures are retried after base, 2×base, 4×base … seconds, capped at max. */
  RETRY_BASE_DELAY_SECONDS: () => z._default(wholeNumber(0, 43_200), 10),
  RETRY_MAX_DELAY_SECONDS: () => z._default(wholeNumber(0, 43_200), 900),
  /** The consumer's last scheduled receive (its queue allows one more: the safety net). */
  MAX_RECEIVE_COUNT: () => z.optional(wholeNumber(1, 1000)),
  /** One after another: the longest one record may take; none starts with less time left. */
  SECONDS_PER_RECORD: () => z.optional(z.coerce.number().check(z.positive())),
});

export type ConsumerConfig = z.infer<z.ZodMiniObject<typeof consumerConfigShape>>;
