import { randomUUID } from 'node:crypto';
import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  countMessages,
  groupByCode,
  NO_REASON,
  readDeadLetters,
} from '../../scripts/operations/dead-letters.ts';
import { redrive } from '../../scripts/operations/redrive.ts';
import { sqsClient } from '../../shared/aws/clients.ts';
import {
  createQueueWithDlq,
  deleteCreatedResources,
  receiveMessages,
} from '../support/resources.ts';

afterAll(deleteCreatedResources);

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** A DLQ holding what the consumer stack writes there: the original body, type/source, failure.*. */
async function deadLetterQueue(codes: Array<string | undefined>) {
  const { queue, dlq } = await createQueueWithDlq('redrive');
  const ids: string[] = [];
  for (const code of codes) {
    const id = randomUUID();
    ids.push(id);
    await sqsClient().send(
      new SendMessageCommand({
        QueueUrl: dlq.url,
        MessageBody: JSON.stringify({ id, type: 'calculation.requested', data: { n: ids.length } }),
        MessageAttributes: {
          type: text('calculation.requested'),
          source: text('test'),
          ...(code
            ? {
                'failure.code': text(code),
                'failure.message': text(`failed with ${code}`),
                'failure.consumer': text('fixture'),
                'failure.attempts': text('4'),
                'failure.time': text(new Date().toISOString()),
              }
            : {}), // what SQS's own redrive moves after a crash carries no reason
        },
      }),
    );
  }
  return { queue, dlq, ids };
}

describe('dead-letter operations (npm run dlq)', () => {
  it('lists every message grouped by failure code, and leaves them in the DLQ', async () => {
    const { dlq, ids } = await deadLetterQueue([
      'HTTP_503',
      'INVALID_ENVELOPE',
      'HTTP_503',
      undefined,
    ]);
    const letters = await readDeadLetters(sqsClient(), dlq.url);
    expect(letters.map((l) => l.eventId).sort()).toEqual([...ids].sort());
    const groups = groupByCode(letters);
    expect(groups.map((g) => [g.code, g.count])).toEqual([
      ['HTTP_503', 2],
      ['INVALID_ENVELOPE', 1],
      [NO_REASON, 1],
    ]);
    expect(groups[0]).toMatchObject({
      reason: 'failed with HTTP_503',
      consumer: 'fixture',
      attempts: ['4'],
      firstSeen: expect.any(String),
    });
    expect(await countMessages(sqsClient(), dlq.url)).toBe(4);
    // Listed messages are visible again at once, so a second look sees the same.
    expect((await readDeadLetters(sqsClient(), dlq.url)).length).toBe(4);
  });

  it('redrives a whole DLQ to its source queue, by whichever path the endpoint offers', async () => {
    const codes = ['HTTP_503', 'HTTP_503', undefined];
    const { queue, dlq, ids } = await deadLetterQueue(codes);
    // AWS and LocalStack run SQS's own StartMessageMoveTask; MiniStack and moto offer none and
    // the messages move one by one. Same bodies back either way; only failure.* differs.
    const result = await redrive(sqsClient(), dlq.url);
    expect(result).toMatchObject({ moved: 3, left: 0 });
    expect(await countMessages(sqsClient(), dlq.url)).toBe(0);
    const back = await receiveMessages(queue.url, { count: 3 });
    expect(back.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual([...ids].sort());
    for (const message of back) {
      expect(message.MessageAttributes?.type?.StringValue).toBe('calculation.requested');
      expect(message.MessageAttributes?.source?.StringValue).toBe('test');
      // A move task moves each message as it is, failure.* included; by hand they are dropped.
      const code = codes[ids.indexOf(JSON.parse(message.Body ?? '{}').id)];
      expect(message.MessageAttributes?.['failure.code']?.StringValue).toBe(
        result.method === 'StartMessageMoveTask' ? code : undefined,
      );
    }
  });

  it('redrives by hand with the original body and attributes, no failure.*, counted as redriven once', async () => {
    const { queue, dlq, ids } = await deadLetterQueue(['HTTP_503', 'HTTP_503', undefined]);
    // The path --code and --max take on every endpoint; `manual` makes it run on all of them.
    const result = await redrive(sqsClient(), dlq.url, { manual: true });
    expect(result).toEqual({ method: 'receive-send-delete', moved: 3, left: 0 });
    expect(await countMessages(sqsClient(), dlq.url)).toBe(0);
    const back = await receiveMessages(queue.url, { count: 3 });
    expect(back.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual([...ids].sort());
    for (const message of back) {
      expect(Object.keys(message.MessageAttributes ?? {}).sort()).toEqual([
        'redrive.count',
        'source',
        'type',
      ]);
      expect(message.MessageAttributes?.['redrive.count']?.StringValue).toBe('1');
      expect(message.MessageAttributes?.type?.StringValue).toBe('calculation.requested');
    }
  });

  it('redrives only one failure code, and at most --max messages', async () => {
    const { queue, dlq } = await deadLetterQueue([
      'HTTP_503',
      'INVALID_ENVELOPE',
      'HTTP_503',
      'HTTP_503',
    ]);
    expect(await redrive(sqsClient(), dlq.url, { code: 'HTTP_503', max: 2 })).toMatchObject({
      moved: 2,
    });
    expect(await receiveMessages(queue.url, { count: 2 })).toHaveLength(2);
    const left = groupByCode(await readDeadLetters(sqsClient(), dlq.url));
    expect(left.map((g) => [g.code, g.count]).sort()).toEqual([
      ['HTTP_503', 1],
      ['INVALID_ENVELOPE', 1],
    ]);
  });

  it('never deletes a dead letter whose send back failed', async () => {
    const { dlq } = await deadLetterQueue(['HTTP_503', 'HTTP_503']);
    // A client whose SendMessage fails at the wire, as a throttled or unreachable SQS would.
    const failingSends = new SQSClient({});
    failingSends.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageCommand') throw new Error('injected send failure');
        return next(args);
      },
      { step: 'initialize', name: 'failSendMessage' },
    );
    // Sends are ours only on the by-hand path (a move task's are SQS's own), so force it.
    expect(await redrive(failingSends, dlq.url, { manual: true })).toEqual({
      method: 'receive-send-delete',
      moved: 0,
      left: 2,
    });
    expect(await countMessages(sqsClient(), dlq.url)).toBe(2);
    expect((await readDeadLetters(sqsClient(), dlq.url)).length).toBe(2);
  });
});
