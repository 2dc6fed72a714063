import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { originalAttributes, RedriveInterrupted, redrive } from './redrive.ts';
import { sourceQueueOf } from './source-queue.ts';

// The StartMessageMoveTask path exists on AWS but on neither emulator used here (MiniStack, moto),
// so it is checked against a mocked SQS; the receive → send → delete path is an integration test.
const sqs = mockClient(SQSClient);
const DLQ = 'https://sqs.us-east-1.amazonaws.com/1/app-dlq';
const SOURCE = 'https://sqs.us-east-1.amazonaws.com/1/app';

beforeEach(() => {
  sqs.reset();
  sqs.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [SOURCE] });
  sqs
    .on(GetQueueAttributesCommand, { QueueUrl: DLQ })
    .resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:1:app-dlq' } })
    .on(GetQueueAttributesCommand, { QueueUrl: SOURCE })
    .resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:1:app' } });
});

describe('redrive', () => {
  it('moves a whole DLQ with StartMessageMoveTask and waits for the task to complete', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task' });
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [{ Status: 'RUNNING' }] })
      .resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 }] });
    expect(await redrive(new SQSClient({}), DLQ)).toEqual({
      method: 'StartMessageMoveTask',
      moved: 7,
      left: 0,
    });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: 'arn:aws:sqs:us-east-1:1:app-dlq',
      DestinationArn: 'arn:aws:sqs:us-east-1:1:app',
    });
  });

  it('reports a failed move task instead of claiming success', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task' });
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [{ Status: 'FAILED', FailureReason: 'AccessDenied' }],
    });
    await expect(redrive(new SQSClient({}), DLQ)).rejects.toThrow(/FAILED: AccessDenied/);
  });

  it('says how many it moved when a receive fails part-way', async () => {
    const letter = (n: number) => ({
      MessageId: `m${n}`,
      ReceiptHandle: `r${n}`,
      Body: `{"n":${n}}`,
      MessageAttributes: { 'failure.code': { DataType: 'String', StringValue: 'HTTP_503' } },
    });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [letter(1), letter(2)] })
      .rejects(new Error('ServiceUnavailable'));
    sqs.on(SendMessageCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const interrupted = await redrive(new SQSClient({}), DLQ, {
      code: 'HTTP_503',
      sleep: async () => {},
    }).catch((error: unknown) => error);
    expect(interrupted).toBeInstanceOf(RedriveInterrupted);
    expect((interrupted as RedriveInterrupted).moved).toBe(2);
    expect((interrupted as Error).message).toBe(
      'The redrive stopped after moving 2 message(s): ServiceUnavailable. Run it again for the rest.',
    );
  });

  it('by hand, reaches the letters behind hundreds it skips, through a receive that fails every third call', async () => {
    const dlq = fakeQueue([
      ...Array.from({ length: 300 }, (_, n) => `poison-${n}`),
      ...Array.from({ length: 7 }, (_, n) => `movable-${n}`),
    ]);
    const result = await redrive(new SQSClient({}), DLQ, {
      filter: (l) => l.body.startsWith('movable'),
      // Three receives' time: without its lease renewed, a skipped letter would be back at the
      // head long before the 300 are passed.
      hideSeconds: 3,
      sleep: async () => {},
      now: dlq.now,
    });
    expect(result).toEqual({ method: 'receive-send-delete', moved: 7, left: 300 });
    expect(dlq.sent.sort()).toEqual(Array.from({ length: 7 }, (_, n) => `movable-${n}`).sort());
    expect(dlq.bodies()).toHaveLength(300);
    expect(dlq.bodies().every((b) => b.startsWith('poison'))).toBe(true);
    expect(dlq.failedReceives).toBeGreaterThan(0);
  });

  it('by hand, moves each letter once though the consumer dead-letters it again while the redrive runs', async () => {
    const dlq = fakeQueue(
      Array.from({ length: 25 }, (_, n) => `poison-${n}`),
      { failAgain: true },
    );
    const result = await redrive(new SQSClient({}), DLQ, {
      manual: true, // the whole DLQ, by hand
      sleep: async () => {},
      now: dlq.now,
    });
    expect(result).toEqual({ method: 'receive-send-delete', moved: 25, left: 25 });
    expect(dlq.sent.sort()).toEqual(Array.from({ length: 25 }, (_, n) => `poison-${n}`).sort());
    expect(dlq.bodies()).toHaveLength(25);
  });

  it('asks the move task for the pace it is given (1–500 a second)', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task' });
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: 'COMPLETED' }] });
    await redrive(new SQSClient({}), DLQ, { perSecond: 2.7 });
    expect(
      sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input.MaxNumberOfMessagesPerSecond,
    ).toBe(2);
  });

  it('by hand, sends no faster than its pace, and marks each letter as redriven once more', async () => {
    const letter = (n: number, redriven?: number) => ({
      MessageId: `m${n}`,
      ReceiptHandle: `r${n}`,
      Body: `{"n":${n}}`,
      MessageAttributes: {
        'failure.code': { DataType: 'String', StringValue: 'HTTP_503' },
        ...(redriven
          ? { 'redrive.count': { DataType: 'Number', StringValue: `${redriven}` } }
          : {}),
      },
    });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [letter(1), letter(2, 1), letter(3), letter(4)] })
      .resolves({ Messages: [] });
    sqs.on(SendMessageCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    const started = Date.now();
    const leaves: number[] = [];
    const sleep = async (ms: number) => {
      leaves.push(Date.now() + ms - started);
    };
    await redrive(new SQSClient({}), DLQ, { code: 'HTTP_503', perSecond: 2, sleep });
    // Letter n leaves n / 2 s after the start (the fake sleep returns at once, so the clock
    // barely moves): 0, 0.5, 1, 1.5 s.
    expect(leaves.map((ms) => Math.round(ms / 100) / 10)).toEqual([0, 0.5, 1, 1.5]);
    const counts = sqs
      .commandCalls(SendMessageCommand)
      .map((c) => c.args[0].input.MessageAttributes?.['redrive.count']?.StringValue);
    expect(counts).toEqual(['1', '2', '1', '1']);
  });

  it('moves message by message when only some messages are wanted', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    expect(await redrive(new SQSClient({}), DLQ, { code: 'HTTP_503' })).toMatchObject({
      method: 'receive-send-delete',
    });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });
});

/**
 * A DLQ as MiniStack keeps one: visible letters handed out oldest first, each hidden for the
 * VisibilityTimeout it is given, on a clock that moves a second a receive; every third receive
 * fails.
 */
/**
 * A DLQ on a fake SQS: every third receive fails. With `failAgain`, the consumer fails every
 * letter sent back to it at once, and it is dead-lettered again naming the message it failed on.
 */
function fakeQueue(bodies: string[], { failAgain = false } = {}) {
  let receives = 0;
  let clock = 0;
  let sends = 0;
  const letters: Array<{
    id: string;
    body: string;
    hiddenUntil: number;
    handle: string;
    failedOn?: string;
  }> = bodies.map((body, n) => ({ id: `m${n}`, body, hiddenUntil: 0, handle: '' }));
  const queue = {
    sent: [] as string[],
    failedReceives: 0,
    bodies: () => letters.map((l) => l.body),
    now: () => clock,
  };
  sqs.on(ReceiveMessageCommand).callsFake(async (input: { VisibilityTimeout?: number }) => {
    receives++;
    clock += 1000;
    if (receives % 3 === 0) {
      queue.failedReceives++;
      throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' });
    }
    const visible = letters.filter((l) => l.hiddenUntil <= clock).slice(0, 10);
    for (const l of visible) {
      l.hiddenUntil = clock + (input.VisibilityTimeout ?? 30) * 1000;
      l.handle = `${l.id}@${receives}`;
    }
    return {
      Messages: visible.map((l) => ({
        MessageId: l.id,
        ReceiptHandle: l.handle,
        Body: l.body,
        ...(l.failedOn && {
          MessageAttributes: {
            'failure.code': { DataType: 'String', StringValue: 'STILL_BROKEN' },
            'failure.originalMessageId': { DataType: 'String', StringValue: l.failedOn },
          },
        }),
      })),
    };
  });
  sqs.on(SendMessageCommand).callsFake(async (input: { MessageBody: string }) => {
    queue.sent.push(input.MessageBody);
    const MessageId = `sent-${++sends}`;
    if (failAgain)
      letters.push({
        id: `d${sends}`,
        body: input.MessageBody,
        hiddenUntil: 0,
        handle: '',
        failedOn: MessageId,
      });
    return { MessageId };
  });
  sqs.on(DeleteMessageCommand).callsFake(async (input: { ReceiptHandle: string }) => {
    const at = letters.findIndex((l) => l.handle === input.ReceiptHandle);
    if (at < 0) throw new Error('ReceiptHandleIsInvalid');
    letters.splice(at, 1);
    return {};
  });
  sqs
    .on(ChangeMessageVisibilityBatchCommand)
    .callsFake(
      async (input: {
        Entries: Array<{ Id: string; ReceiptHandle: string; VisibilityTimeout: number }>;
      }) => {
        const Successful = [];
        for (const e of input.Entries)
          for (const l of letters)
            if (l.handle === e.ReceiptHandle) {
              l.hiddenUntil = clock + e.VisibilityTimeout * 1000;
              Successful.push({ Id: e.Id });
            }
        return { Successful };
      },
    );
  return queue;
}

describe('sourceQueueOf', () => {
  it('without ListDeadLetterSourceQueues, finds the queue beside the DLQ without listing every queue', async () => {
    const dlq = 'https://sqs.us-east-1.amazonaws.com/1/orders-dlq';
    const beside = 'https://sqs.us-east-1.amazonaws.com/1/orders';
    sqs
      .on(ListDeadLetterSourceQueuesCommand)
      .rejects(Object.assign(new Error('not valid for this endpoint'), { name: 'InvalidAction' }));
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: dlq })
      .resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:1:orders-dlq' } })
      .on(GetQueueAttributesCommand, { QueueUrl: beside })
      .resolves({
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: 'arn:aws:sqs:us-east-1:1:orders-dlq',
            maxReceiveCount: 4,
          }),
        },
      });
    expect(await sourceQueueOf(new SQSClient({}), dlq)).toBe(beside);
    expect(sqs.commandCalls(ListQueuesCommand)).toEqual([]);
  });

  it('lists the queues when the one beside the DLQ does not redrive to it', async () => {
    const dlq = 'https://sqs.us-east-1.amazonaws.com/1/audit-dlq';
    const source = 'https://sqs.us-east-1.amazonaws.com/1/audit-trail';
    sqs
      .on(ListDeadLetterSourceQueuesCommand)
      .rejects(Object.assign(new Error('not valid for this endpoint'), { name: 'InvalidAction' }));
    sqs.on(ListQueuesCommand).resolves({ QueueUrls: [dlq, source] });
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: dlq })
      .resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:1:audit-dlq' } })
      .on(GetQueueAttributesCommand, { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/audit' })
      .rejects(Object.assign(new Error('no such queue'), { name: 'QueueDoesNotExist' }))
      .on(GetQueueAttributesCommand, { QueueUrl: source })
      .resolves({
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: 'arn:aws:sqs:us-east-1:1:audit-dlq',
          }),
        },
      });
    expect(await sourceQueueOf(new SQSClient({}), dlq)).toBe(source);
  });
});

describe('originalAttributes', () => {
  it('keeps type and source and drops every failure.* attribute', () => {
    const text = (v: string) => ({ DataType: 'String', StringValue: v });
    expect(
      originalAttributes({
        type: text('a.b'),
        source: text('x'),
        'failure.code': text('C'),
        'failure.message': text('m'),
      }),
    ).toEqual({ type: text('a.b'), source: text('x') });
  });
});
