import * as z from '../../events/zod.ts';
import {
  ConfigError,
  consumerConfigShape,
  loadConfig,
  publisherConfigShape,
} from '../../shared/config.ts';

/**
 * Where notifications go comes from configuration per stage, never from an event: an event
 * naming its own URL would let anyone who can publish make us call any address (SSRF). Built the
 * first time targets are read (z.lazy), at the first invocation rather than at every cold start.
 */
export const WebhookTarget = z.lazy(() =>
  z.object({
    name: z.string().check(z.regex(/^[a-z0-9-]+$/)),
    // The message never repeats the URL: it may hold a secret, and config errors get logged.
    url: z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }).check(
      z.refine(
        (url) => {
          const { username, password } = new URL(url);
          return !username && !password;
        },
        {
          error:
            'its URL carries credentials (user:password@…): leave them out, receivers check the signature',
        },
      ),
    ),
  }),
);
export type WebhookTarget = z.infer<typeof WebhookTarget>;

const WebhookTargets = z.lazy(() =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((text: string, payload) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          payload.issues.push({
            code: 'custom',
            message: 'must be a JSON array of {name, url}',
            input: text,
          });
          return z.NEVER;
        }
      }),
    ),
    z.array(WebhookTarget),
  ),
);

export const notifierConfig = (env: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      ...consumerConfigShape,
      ...publisherConfigShape,
      /** Its deliveries keep idempotency records, one per (target, event). */
      IDEMPOTENCY_TABLE: z.string().check(z.minLength(1)),
      /** SSM parameter holding the targets: a JSON list of {name, url} (parseWebhookTargets). */
      WEBHOOK_TARGETS_PARAMETER: z.string().check(z.startsWith('/')),
      /** SSM path holding one SecureString per target: `<path><name>` = Standard Webhooks secret. */
      WEBHOOK_SECRETS_PATH: z.string().check(z.startsWith('/'), z.endsWith('/')),
      WEBHOOK_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 5000),
      /** Plain http targets: the emulator stages' local receiver only (param webhookAllowHttp). */
      WEBHOOK_ALLOW_HTTP: z._default(z.stringbool(), false),
    },
    env,
  );

/**
 * The stage's targets from the text of its SSM parameter: https only unless `allowHttp`, no
 * credentials in a URL. A ConfigError names the parameter and what is wrong, never a URL.
 */
export function parseWebhookTargets(
  text: string,
  { parameter, allowHttp }: { parameter: string; allowHttp: boolean },
): WebhookTarget[] {
  const result = WebhookTargets.safeParse(text);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`Invalid webhook targets in SSM parameter ${parameter} (${problems})`);
  }
  const insecure = result.data.filter((t) => new URL(t.url).protocol !== 'https:');
  if (insecure.length && !allowHttp) {
    throw new ConfigError(
      `Invalid webhook targets in SSM parameter ${parameter} (${insecure.map((t) => `"${t.name}"`).join(', ')} not https: plain http is for the emulator stages only)`,
    );
  }
  return result.data;
}
