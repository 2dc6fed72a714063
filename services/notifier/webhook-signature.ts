import { createHmac } from 'node:crypto';

// Standard Webhooks signing (https://www.standardwebhooks.com) with Node's own HMAC. The
// reference library, `standardwebhooks`, signs with a JavaScript SHA-256 and base64 it bundles
// (~12 KB the notifier loaded at every cold start, docs/performance.md); it stays the oracle:
// webhook-signature.test.ts holds this equal to its `sign`, and the receivers verify with it.

const PREFIX = 'whsec_';
/** Padded base64, as the reference library decodes it (Buffer would skip an odd character). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The signing key of a Standard Webhooks secret: the base64 after `whsec_`. Refuses what is not
 * padded base64, which would otherwise sign with another key, and an empty key.
 */
export function webhookKey(secret: string): Buffer {
  const text = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length === 0)
    throw new Error('A webhook secret must be padded base64 (after whsec_), and not empty');
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<unix seconds>.<payload>">`, one entry of webhook-signature. */
export function webhookSignature(key: Buffer, id: string, at: Date, payload: string): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `v1,${createHmac('sha256', key).update(`${id}.${seconds}.${payload}`).digest('base64')}`;
}
