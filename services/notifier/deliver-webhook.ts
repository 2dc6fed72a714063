import { Webhook } from 'standardwebhooks';
import type { CloudEvent } from '../../events/cloud-event.ts';
import { PermanentError } from '../../shared/errors.ts';
import type { WebhookTarget } from './config.ts';

/** A delivery that may succeed later (5xx, 408, 429, timeout, network): retried through SQS. */
export class WebhookUnavailableError extends Error {
  override name = 'WebhookUnavailableError';
}

export type ResponseClass = 'delivered' | 'transient' | 'permanent';

/** 2xx delivered; 408, 429 and 5xx worth retrying; any other answer will not change. */
export function classifyResponse(status: number): ResponseClass {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  return 'permanent';
}

export interface DeliveryOptions {
  secret: string;
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
  { secret, timeoutMs, now = new Date() }: DeliveryOptions,
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
        'webhook-signature': new Webhook(secret).sign(event.id, now, payload),
      },
      body: payload,
    });
  } catch (error) {
    throw new WebhookUnavailableError(
      `Webhook "${target.name}" unreachable: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  await response.body?.cancel();
  const verdict = classifyResponse(response.status);
  if (verdict === 'transient') {
    throw new WebhookUnavailableError(`Webhook "${target.name}" answered ${response.status}`);
  }
  if (verdict === 'permanent') {
    throw new PermanentError(
      'WEBHOOK_REJECTED',
      `Webhook "${target.name}" answered ${response.status}`,
    );
  }
  return { status: response.status };
}
