import type { CloudEvent } from '../../events/cloud-event.ts';
import { PermanentError, RetryLaterError } from '../../shared/errors.ts';
import type { WebhookTarget } from './config.ts';
import { webhookKey, webhookSignature } from './webhook-signature.ts';

/**
 * A delivery that may succeed later: a network failure, a timeout, or any answer but 2xx and
 * 410 — a 401, 404 or 5xx is often a receiver's deploy or a rotated secret. Retried through SQS;
 * `retryAfterSeconds` carries the receiver's `Retry-After`, which the backoff honours.
 */
export class WebhookUnavailableError extends RetryLaterError {
  override name = 'WebhookUnavailableError';
}

export type ResponseClass = 'delivered' | 'transient' | 'gone';

/** 2xx delivered; 410 Gone: the receiver says never again; anything else may change. */
export function classifyResponse(status: number): ResponseClass {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  return 'transient';
}

/** `Retry-After` as seconds from `now`: a number of seconds or an HTTP date; undefined if neither. */
export function retryAfterSeconds(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

export interface DeliveryOptions {
  /** The target's current secret first; during a rotation also the previous one. */
  secrets: readonly string[];
  timeoutMs: number;
  now?: Date;
}

/**
 * POST the CloudEvent (structured mode) to a target, signed per Standard Webhooks:
 * `webhook-id` = event id (receivers deduplicate on it), `webhook-timestamp`, `webhook-signature`.
 * Redirects are not followed: a redirect could point the request somewhere we never configured.
 */
export async function deliverWebhook(
  target: WebhookTarget,
  event: CloudEvent,
  { secrets, timeoutMs, now = new Date() }: DeliveryOptions,
): Promise<{ status: number }> {
  const payload = JSON.stringify(event);
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        // One signature per secret, space-separated, as Standard Webhooks allows during a rotation:
        // a receiver verifying with either secret accepts it.
        'webhook-signature': secrets
          .map((secret) => webhookSignature(webhookKey(secret), event.id, now, payload))
          .join(' '),
      },
      body: payload,
    });
  } catch (error) {
    throw new WebhookUnavailableError(
      `Webhook "${target.name}" unreachable: ${(error as Error).message}`,
      undefined,
      { cause: error },
    );
  }
  await response.body?.cancel();
  const verdict = classifyResponse(response.status);
  if (verdict === 'transient') {
    throw new WebhookUnavailableError(
      `Webhook "${target.name}" answered ${response.status}`,
      retryAfterSeconds(response.headers.get('retry-after'), now),
    );
  }
  if (verdict === 'gone') {
    throw new PermanentError(
      'WEBHOOK_GONE',
      `Webhook "${target.name}" answered 410 Gone: it wants no more deliveries; remove the target or fix its URL`,
    );
  }
  return { status: response.status };
}
