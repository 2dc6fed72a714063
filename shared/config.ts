import * as z from 'zod';

/** A missing or invalid environment variable; thrown at cold start, naming every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parse environment variables with a zod object schema. Call it once at module scope, so a bad
 * deployment fails its cold start with a message naming the variable instead of failing later.
 */
export function loadConfig<TShape extends z.ZodRawShape>(
  shape: TShape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<TShape>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.')} (${issue.message})`)
      .join(', ');
    throw new ConfigError(`Invalid configuration: environment variable ${problems}`);
  }
  return result.data;
}

/** Variables every function of this template reads. */
export const baseConfigShape = {
  SERVICE_NAME: z.string().min(1),
};

/** Variables of functions that publish events. */
export const publisherConfigShape = {
  ...baseConfigShape,
  EVENTS_TOPIC_ARN: z.string().startsWith('arn:'),
};

/** Variables every queue consumer reads. */
export const consumerConfigShape = {
  ...baseConfigShape,
  DEAD_LETTER_QUEUE_URL: z.url(),
  /** Required by consumers that keep idempotency records (`idempotency: idempotencyTable`). */
  IDEMPOTENCY_TABLE: z.string().min(1).optional(),
  IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60),
  /** Transient failures are retried after base, 2×base, 4×base … seconds, capped at max. */
  RETRY_BASE_DELAY_SECONDS: z.coerce.number().int().min(0).max(43_200).default(10),
  RETRY_MAX_DELAY_SECONDS: z.coerce.number().int().min(0).max(43_200).default(900),
  /** The consumer's last scheduled receive (its queue allows one more: the safety net). */
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).optional(),
  /** One after another: the longest one record may take; none starts with less time left. */
  SECONDS_PER_RECORD: z.coerce.number().positive().optional(),
};

export type ConsumerConfig = z.infer<z.ZodObject<typeof consumerConfigShape>>;
