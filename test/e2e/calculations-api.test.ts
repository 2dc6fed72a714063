// The calculations API as any deployed stage answers it, seen only through its HTTP API: what a
// preview stage on AWS is checked with (npm run deploy:stage -- pr-<n> --aws --test), and part of
// the e2e tier on the emulator. Webhooks, dead letters and the bus: calculations.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { apiClient } from '../support/api-client.ts';
import { eventually } from '../support/poll.ts';

/** Every answer is checked against openapi.yaml. */
const api = apiClient(inject('stack').apiUrl ?? '');

describe('the calculations API of a deployed stage', () => {
  it('answers 202 with a Location where the computed calculation appears', async () => {
    const created = await api('POST', '/calculations', {
      json: { operation: 'multiply', a: '1.5', b: '4' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(created.status).toBe(202);
    const location = created.headers.get('location') ?? '';
    expect(location).toMatch(/^\/calculations\/.+/);
    // Read your writes: the request stored it (with its event, one transaction) before answering,
    // so the Location answers at once, whatever the bus is doing.
    const pending = await api('GET', location);
    expect(pending.status).toBe(200);
    expect(pending.json).toMatchObject({
      status: 'pending',
      operation: 'multiply',
      a: '1.5',
      b: '4',
    });
    const record = await eventually(
      async () => {
        const answer = await api('GET', location);
        const body = answer.json as { status?: string } | undefined;
        return answer.status === 200 && body?.status !== 'pending' ? body : undefined;
      },
      { what: `${location} to be computed` },
    );
    expect(record).toMatchObject({ status: 'completed', operation: 'multiply', result: '6' });
  });

  it('refuses a blank Idempotency-Key (one key every client would share) and a 3 MB operand, in a few KB', async () => {
    const blank = await api('POST', '/calculations', {
      json: { operation: 'add', a: '1', b: '2' },
      headers: { 'idempotency-key': ' ' },
    });
    expect(blank.status).toBe(400);
    expect((blank.json as { detail: string }).detail).toMatch(/Idempotency-Key/);
    const huge = await api('POST', '/calculations', {
      json: { operation: 'add', a: '9'.repeat(3_000_000), b: '1' },
    });
    expect(huge.status).toBe(413);
    expect(huge.text.length).toBeLessThan(4096);
  });

  it('refuses bad input with a problem naming the field', async () => {
    const response = await api('POST', '/calculations', {
      json: { operation: 'modulo', a: '1', b: 'two' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((response.json as { detail: string }).detail).toMatch(
      /body\.operation: .*body\.b: "two" is not a decimal number/,
    );
  });
});
