import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { PermanentError } from '../../shared/errors.ts';
import {
  classifyResponse,
  deliverWebhook,
  retryAfterSeconds,
  WebhookUnavailableError,
} from './deliver-webhook.ts';

const secret = `whsec_${Buffer.from('a-test-secret-of-some-length').toString('base64')}`;
const target = { name: 'crm', url: 'https://hooks.example.com/calculations' };
const event = buildCloudEvent(
  currentContract('calculation.completed'),
  { calculationId: randomUUID(), operation: 'add', a: '1', b: '2', result: '3' },
  'calculator',
);

/** Replace fetch with one answering `status` and remembering the request. */
function answer(status: number | Error, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    if (status instanceof Error) throw status;
    return new Response(null, { status, headers });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('classifyResponse', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
    [301, 'transient'],
    [400, 'transient'],
    [401, 'transient'], // a rotated secret the receiver has not picked up yet
    [404, 'transient'], // a receiver's deploy
    [410, 'gone'],
  ])('%i is %s', (status, expected) => {
    expect(classifyResponse(status)).toBe(expected);
  });
});

describe('deliverWebhook', () => {
  it('posts the CloudEvent signed per Standard Webhooks, verifiable with the secret', async () => {
    const calls = answer(200);
    await deliverWebhook(target, event, { secrets: [secret], timeoutMs: 1000 });

    const [call] = calls;
    expect(call?.url).toBe(target.url);
    expect(call?.init.redirect).toBe('manual');
    const headers = call?.init.headers as Record<string, string>;
    expect(headers['webhook-id']).toBe(event.id);
    const verified = new Webhook(secret).verify(call?.init.body as string, headers);
    expect(verified).toEqual(event);
  });

  it('a signature made with another secret does not verify', async () => {
    const calls = answer(200);
    await deliverWebhook(target, event, { secrets: [secret], timeoutMs: 1000 });
    const other = new Webhook(
      `whsec_${Buffer.from('another-secret-entirely!').toString('base64')}`,
    );
    const [call] = calls;
    expect(() =>
      other.verify(call?.init.body as string, call?.init.headers as Record<string, string>),
    ).toThrow();
  });

  it('throws a transient error for 503 and for network failures', async () => {
    answer(503);
    await expect(
      deliverWebhook(target, event, { secrets: [secret], timeoutMs: 1000 }),
    ).rejects.toBeInstanceOf(WebhookUnavailableError);
    answer(new TypeError('fetch failed'));
    await expect(
      deliverWebhook(target, event, { secrets: [secret], timeoutMs: 1000 }),
    ).rejects.toThrow(/Webhook "crm" unreachable: fetch failed/);
  });

  it('throws a permanent error for 410 Gone only', async () => {
    answer(410);
    const error = await deliverWebhook(target, event, { secrets: [secret], timeoutMs: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'WEBHOOK_GONE' });
    answer(404);
    await expect(
      deliverWebhook(target, event, { secrets: [secret], timeoutMs: 1000 }),
    ).rejects.toBeInstanceOf(WebhookUnavailableError);
  });

  it("carries the receiver's Retry-After, in seconds or as a date", async () => {
    const now = new Date('2026-11-30T12:00:00Z');
    for (const [header, seconds] of [
      ['120', 120],
      ['Mon, 30 Nov 2026 12:05:00 GMT', 300],
      ['soon', undefined],
    ] as const) {
      answer(503, { 'retry-after': header });
      await expect(
        deliverWebhook(target, event, { secrets: [secret], timeoutMs: 1000, now }),
      ).rejects.toMatchObject({ retryAfterSeconds: seconds });
    }
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });

  it('signs with every secret during a rotation: either one verifies', async () => {
    const previous = `whsec_${Buffer.from('the-previous-secret-here').toString('base64')}`;
    const calls = answer(200);
    await deliverWebhook(target, event, { secrets: [secret, previous], timeoutMs: 1000 });
    const [call] = calls;
    const headers = call?.init.headers as Record<string, string>;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const key of [secret, previous])
      expect(new Webhook(key).verify(call?.init.body as string, headers)).toEqual(event);
  });
});
