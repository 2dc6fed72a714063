import { createHmac } from 'node:crypto';

// Standard Webhooks signing (https://www.standardwebhooks.com) with Node's own HMAC. The
// reference library, `standardwebhooks`, signs with a JavaScript SHA-256 and base64 it bundles
// (~12 KB the notifier loaded at every cold start, docs/performance.md); it stays the oracle:
// webhook-signature.test.ts holds this equal to its `sign`, and the receivers verify with it.

const PREFIX = 'whsec_';

/**
 * The signing key of a Standard Webhooks secret: the base64 after `whsec_`. Refuses what is not
 * exactly base64 (Buffer would skip the odd character and sign with another key), and an empty key.
 */
export function webhookKey(secret: string): Buffer {
  const text = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const key = Buffer.from(text, 'base64');
  if (key.length === 0 || key.toString('base64') !== text)
    throw new Error('A webhook secret must be base64 (after whsec_), and not empty');
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<unix seconds>.<payload>">`, one entry of webhook-signature. */
export function webhookSignature(key: Buffer, id: string, at: Date, payload: string): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `v1,${createHmac('sha256', key).update(`${id}.${seconds}.${payload}`).digest('base64')}`;
}
