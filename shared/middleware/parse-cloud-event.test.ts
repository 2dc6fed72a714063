import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { parseCloudEvent } from './parse-cloud-event.ts';
import { recordOf } from './sqs-record.ts';

const event = buildCloudEvent(
  currentContract('calculation.requested'),
  { calculationId: randomUUID(), operation: 'divide', a: '1', b: '3' },
  'test',
);
const record = (body: string) => ({ messageId: 'm-1', body }) as SQSRecord;

// Runs the middleware alone in front of a handler that echoes what it was given.
const run = (body: string, accepts = ['calculation.requested']) =>
  middy((parsed: unknown, _context: unknown) => parsed).use(parseCloudEvent({ accepts }))(
    record(body) as never,
    {} as never,
  );

describe('parseCloudEvent', () => {
  it('replaces a raw-delivery SQS record with its validated CloudEvent', async () => {
    expect(await run(JSON.stringify(event))).toEqual(event);
  });

  it('understands an SNS-wrapped body (queue subscribed without raw delivery)', async () => {
    const wrapped = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:events',
      Message: JSON.stringify(event),
      Timestamp: new Date().toISOString(),
      SignatureVersion: '1',
      Signature: 'x',
      SigningCertURL: 'https://sns.us-east-1.amazonaws.com/cert.pem',
      UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/unsubscribe',
      MessageAttributes: { type: { Type: 'String', Value: 'calculation.requested' } },
    };
    expect(await run(JSON.stringify(wrapped))).toEqual(event);
  });

  it('keeps JSON-number decimals exact', async () => {
    const body = JSON.stringify(event).replace(
      '"a":"1"',
      '"a":0.1000000000000000055511151231257827',
    );
    const parsed = (await run(body)) as typeof event;
    expect(parsed.data.a).toBe('0.1000000000000000055511151231257827');
  });

  it('rejects a body that is not JSON as MALFORMED_MESSAGE', async () => {
    await expect(run('{not json')).rejects.toMatchObject({ code: 'MALFORMED_MESSAGE' });
  });

  it('rejects an event type this consumer does not handle', async () => {
    await expect(run(JSON.stringify(event), ['calculation.completed'])).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
      message: expect.stringContaining('does not handle "calculation.requested"'),
    });
  });

  // An id becomes the webhook-id header: one fetch refuses must be refused here, for good, and
  // not retried for a day as if the receiver were down.
  it.each([
    ['a CR/LF', 'abc\r\nX-Injected: 1'],
    ['a non-ASCII letter', 'caf\u00e9'],
    ['an emoji', 'id-\u{1F680}'],
    ['129 characters', 'x'.repeat(129)],
    ['a space at its end', 'abc '],
  ])('refuses an event id with %s as INVALID_ENVELOPE naming `id`', async (_, id) => {
    await expect(run(JSON.stringify({ ...event, id }))).rejects.toMatchObject({
      code: 'INVALID_ENVELOPE',
      message: expect.stringMatching(/\bid: must be/),
    });
  });

  it('accepts the UUID ids this system builds, and any 128 printable ASCII characters', async () => {
    expect(await run(JSON.stringify(event))).toMatchObject({ id: event.id });
    const longest = `order 42/${'~'.repeat(119)}`;
    expect(await run(JSON.stringify({ ...event, id: longest }))).toMatchObject({ id: longest });
  });

  it('remembers the raw record for later middlewares', async () => {
    const raw = record(JSON.stringify(event));
    let remembered: SQSRecord | undefined;
    await middy(() => undefined)
      .use(parseCloudEvent({ accepts: ['calculation.requested'] }))
      .use({
        before: (request) => {
          remembered = recordOf(request);
        },
      })(raw as never, {} as never);
    expect(remembered).toBe(raw);
  });
});
