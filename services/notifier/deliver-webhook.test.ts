import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { PermanentError } from '../../shared/errors.ts';
import { classifyResponse, deliverWebhook, WebhookUnavailableError } from './deliver-webhook.ts';

const secret = `whsec_${Buffer.from('a-test-secret-of-some-length').toString('base64')}`;
const target = { name: 'crm', url: 'https://hooks.example.com/calculations' };
const event = buildCloudEvent(
  currentContract('calculation.completed'),
  { calculationId: randomUUID(), operation: 'add', a: '1', b: '2', result: '3' },
  'calculator',
);

/** Replace fetch with one answering `status` and remembering the request. */
function answer(status: number | Error) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    if (status instanceof Error) throw status;
    return new Response(null, { status });
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
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
  ])('%i is %s', (status, expected) => {
    expect(classifyResponse(status)).toBe(expected);
  });
});

describe('deliverWebhook', () => {
  it('posts the CloudEvent signed per Standard Webhooks, verifiable with the secret', async () => {
    const calls = answer(200);
    await deliverWebhook(target, event, { secret, timeoutMs: 1000 });

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
    await deliverWebhook(target, event, { secret, timeoutMs: 1000 });
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
    await expect(deliverWebhook(target, event, { secret, timeoutMs: 1000 })).rejects.toBeInstanceOf(
      WebhookUnavailableError,
    );
    answer(new TypeError('fetch failed'));
    await expect(deliverWebhook(target, event, { secret, timeoutMs: 1000 })).rejects.toThrow(
      /Webhook "crm" unreachable: fetch failed/,
    );
  });

  it('throws a permanent error for 4xx other than 408 and 429', async () => {
    answer(410);
    const error = await deliverWebhook(target, event, { secret, timeoutMs: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({
      code: 'WEBHOOK_REJECTED',
      message: 'Webhook "crm" answered 410',
    });
  });
});
