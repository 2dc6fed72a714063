import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookKey, webhookSignature } from './webhook-signature.ts';

// The reference library is the oracle: the same signature for every secret it reads, and no key
// from a secret it refuses.
describe('webhook signatures, against the reference library (standardwebhooks)', () => {
  it('sign as it does, for any key, id, time and payload', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.boolean(),
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (bytes, prefixed, id, at, payload) => {
          const secret = `${prefixed ? 'whsec_' : ''}${Buffer.from(bytes).toString('base64')}`;
          expect(webhookSignature(webhookKey(secret), id, at, payload)).toBe(
            new Webhook(secret).sign(id, at, payload),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('read every secret it reads as it does, also base64 with stray bits in its last character', () => {
    fc.assert(
      fc.property(
        fc.base64String({ minLength: 4, maxLength: 88 }),
        fc.boolean(),
        (text, prefixed) => {
          const secret = `${prefixed ? 'whsec_' : ''}${text}`;
          let reference: string | undefined;
          try {
            reference = new Webhook(secret).sign('msg_1', new Date(0), 'payload');
          } catch {
            return; // refused by it: the next property
          }
          expect(webhookSignature(webhookKey(secret), 'msg_1', new Date(0), 'payload')).toBe(
            reference,
          );
        },
      ),
      { numRuns: 500 },
    );
    // Generated secrets are canonical; a hand-made one may not be, and the receivers accept it.
    expect(webhookSignature(webhookKey('whsec_YR=='), 'm', new Date(0), 'p')).toBe(
      new Webhook('whsec_YR==').sign('m', new Date(0), 'p'),
    );
  });

  it('refuse every secret it refuses', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `whsec_${s}`),
        ),
        (secret) => {
          let refused = false;
          try {
            new Webhook(secret);
          } catch {
            refused = true;
          }
          if (refused) expect(() => webhookKey(secret)).toThrow(/base64/);
        },
      ),
      { numRuns: 500 },
    );
    expect(() => webhookKey('whsec_')).toThrow(/not empty/);
    expect(() => webhookKey('whsec_c2VjcmV0*')).toThrow(/base64/);
  });
});
