import * as z from 'zod';
import {
  ConfigError,
  consumerConfigShape,
  loadConfig,
  publisherConfigShape,
} from '../../shared/config.ts';

/**
 * Where notifications go comes from configuration per stage, never from an event: an event
 * naming its own URL would let anyone who can publish make us call any address (SSRF).
 */
export const WebhookTarget = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  // The message never repeats the URL: it may hold a secret, and config errors get logged.
  url: z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }).refine(
    (url) => {
      const { username, password } = new URL(url);
      return !username && !password;
    },
    {
      error:
        'its URL carries credentials (user:password@…): leave them out, receivers check the signature',
    },
  ),
});
export type WebhookTarget = z.infer<typeof WebhookTarget>;

const WebhookTargets = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {name, url}' });
      return z.NEVER;
    }
  })
  .pipe(z.array(WebhookTarget));

export const notifierConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const config = loadConfig(
    {
      ...consumerConfigShape,
      ...publisherConfigShape,
      /** Its deliveries keep idempotency records, one per (target, event). */
      IDEMPOTENCY_TABLE: z.string().min(1),
      WEBHOOK_TARGETS: WebhookTargets,
      /** SSM path holding one SecureString per target: `<path><name>` = Standard Webhooks secret. */
      WEBHOOK_SECRETS_PATH: z.string().startsWith('/').endsWith('/'),
      WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
      /** Plain http targets: the emulator stages' local receiver only (param webhookAllowHttp). */
      WEBHOOK_ALLOW_HTTP: z.stringbool().default(false),
    },
    env,
  );
  const insecure = config.WEBHOOK_TARGETS.filter((t) => new URL(t.url).protocol !== 'https:');
  if (insecure.length && !config.WEBHOOK_ALLOW_HTTP) {
    throw new ConfigError(
      `Invalid configuration: environment variable WEBHOOK_TARGETS (${insecure.map((t) => `"${t.name}"`).join(', ')} not https: plain http is for the emulator stages only)`,
    );
  }
  return config;
};
