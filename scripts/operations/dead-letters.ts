import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { streamFailureOf } from './outbox-letters.ts';

// What an operator does with a dead-letter queue: see what is in it and why, or drop it (putting
// it back once the cause is fixed is redrive.ts). Every DLQ message carries `failure.*` attributes (see
// shared/middleware/classify-failures.ts) — except what SQS's own redrive moved there after a
// crash or a timeout, which is listed under the code NO_REASON.

export const NO_REASON = 'NO_REASON';
export const FAILURE_PREFIX = 'failure.';
/** Set on a letter a redrive puts back; a consumer dead-lettering it again keeps it. */
export const REDRIVE_COUNT = 'redrive.count';

export interface DeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
  code: string;
  reason?: string;
  consumer?: string;
  /** The SQS message id it had in the source queue: copies of one message share it. */
  originalMessageId?: string;
  attempts?: string;
  /** When it was dead-lettered (failure.time), else when SQS first received it. */
  time?: string;
  eventId?: string;
  eventType?: string;
  /** How often the DLQ itself has handed it out (SQS's ApproximateReceiveCount there). */
  receiveCount?: number;
  /** How many times a redrive put it back before (`redrive.count`): back again, it failed again. */
  redriven: number;
  attributes: Record<string, MessageAttributeValue>;
}

export function describeLetter(message: Message): DeadLetter {
  const attributes = message.MessageAttributes ?? {};
  const text = (name: string) => attributes[name]?.StringValue;
  let event: { id?: unknown; type?: unknown } = {};
  try {
    event = JSON.parse(message.Body ?? '');
  } catch {
    // Poison often is not JSON at all; it is listed all the same.
  }
  const sent = message.Attributes?.SentTimestamp;
  const received = message.Attributes?.ApproximateReceiveCount;
  // An outbox relay's letter: a pointer to a failed batch of stream records, not an event.
  const stream = streamFailureOf(message.Body ?? '');
  if (stream)
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      code: stream.condition,
      reason: `the outbox relay gave up on a batch of ${stream.batchSize} stream records of ${stream.tableName}, arrived ${stream.firstArrival} – ${stream.lastArrival}; a redrive republishes the outbox items written then, from the table`,
      consumer: stream.functionArn.split(':').pop(),
      time: sent ? new Date(Number(sent)).toISOString() : stream.firstArrival,
      receiveCount: received === undefined ? undefined : Number(received),
      redriven: 0,
      attributes: message.MessageAttributes ?? {},
    };
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    code: text('failure.code') ?? NO_REASON,
    reason:
      text('failure.message') ??
      // Only SQS's own redrive leaves a letter without a reason: it says nothing, so this does.
      `moved by the queue's redrive policy after ${received === undefined ? 'its' : 'all its'} receives: every invocation that had it ended (a timeout or a crash) before it was handled or dead-lettered, the safety-net receive included; the function's logs say why`,
    consumer: text('failure.consumer'),
    originalMessageId: text('failure.originalMessageId'),
    attempts: text('failure.attempts'),
    time: text('failure.time') ?? (sent ? new Date(Number(sent)).toISOString() : undefined),
    eventId: typeof event?.id === 'string' ? event.id : undefined,
    eventType: typeof event?.type === 'string' ? event.type : text('type'),
    receiveCount: received === undefined ? undefined : Number(received),
    redriven: Number(text(REDRIVE_COUNT) ?? 0),
    attributes,
  };
}

/** Approximate message count of a queue (visible + in flight). */
export async function countMessages(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * Read the messages of a DLQ without removing them: each batch is hidden while it is read (so the
 * next receive returns others), then made visible again.
 */
export async function readDeadLetters(
  sqs: SQSClient,
  queueUrl: string,
  { limit = 1000, hideSeconds = 30 } = {},
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  try {
    while (letters.length < limit) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, limit - letters.length),
          VisibilityTimeout: hideSeconds,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
      );
      if (Messages.length === 0) break;
      letters.push(...Messages.map(describeLetter));
    }
  } finally {
    await reveal(sqs, queueUrl, letters);
  }
  return letters;
}

/** Make read letters visible again; best effort — a letter not revealed reappears on its own. */
export async function reveal(sqs: SQSClient, queueUrl: string, letters: DeadLetter[]) {
  for (let i = 0; i < letters.length; i += 10) {
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: letters.slice(i, i + 10).map((l, j) => ({
            Id: String(j),
            ReceiptHandle: l.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      )
      .catch(() => undefined);
  }
}

export interface DeadLetterGroup {
  code: string;
  count: number;
  reason?: string;
  consumer?: string;
  attempts: string[];
  firstSeen?: string;
  /** Letters of the group a redrive had put back before: they failed again. */
  redrivenBefore: number;
  events: Array<{ id?: string; type?: string }>;
}

/** Group by failure code, the most frequent first. */
export function groupByCode(letters: DeadLetter[]): DeadLetterGroup[] {
  const groups = new Map<string, DeadLetterGroup>();
  for (const letter of letters) {
    const group = groups.get(letter.code) ?? {
      code: letter.code,
      count: 0,
      reason: letter.reason,
      consumer: letter.consumer,
      attempts: [],
      redrivenBefore: 0,
      events: [],
    };
    group.count++;
    if (letter.redriven > 0) group.redrivenBefore++;
    if (letter.attempts && !group.attempts.includes(letter.attempts))
      group.attempts.push(letter.attempts);
    if (letter.time && (!group.firstSeen || letter.time < group.firstSeen))
      group.firstSeen = letter.time;
    group.events.push({ id: letter.eventId, type: letter.eventType });
    groups.set(letter.code, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Drop every message of a DLQ. */
export async function purge(sqs: SQSClient, deadLetterQueueUrl: string): Promise<number> {
  const count = await countMessages(sqs, deadLetterQueueUrl);
  await sqs.send(new PurgeQueueCommand({ QueueUrl: deadLetterQueueUrl }));
  return count;
}
