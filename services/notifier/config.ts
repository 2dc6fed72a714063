import * as z from 'zod';
import { consumerConfigShape, loadConfig, publisherConfigShape } from '../../shared/config.ts';

/**
 * Where notifications go comes from configuration per stage, never from an event: an event
 * naming its own URL would let anyone who can publish make us call any address (SSRF).
 */
export const WebhookTarget = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  url: z.url({ protocol: /^https?$/ }),
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

export const notifierConfig = () =>
  loadConfig({
    ...consumerConfigShape,
    ...publisherConfigShape,
    /** Its deliveries keep idempotency records, one per (target, event). */
    IDEMPOTENCY_TABLE: z.string().min(1),
    WEBHOOK_TARGETS: WebhookTargets,
    /** SSM path holding one SecureString per target: `<path><name>` = Standard Webhooks secret. */
    WEBHOOK_SECRETS_PATH: z.string().startsWith('/').endsWith('/'),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  });
