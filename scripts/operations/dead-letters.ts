import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  type Message,
  type MessageAttributeValue,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { streamFailureOf } from './outbox-letters.ts';

// What an operator does with a dead-letter queue: see what is in it and why, put it back once
// the cause is fixed, or drop it. Every DLQ message carries `failure.*` attributes (see
// shared/middleware/classify-failures.ts) — except what SQS's own redrive moved there after a
// crash or a timeout, which is listed under the code NO_REASON.

export const NO_REASON = 'NO_REASON';
const FAILURE_PREFIX = 'failure.';
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

function describe(message: Message): DeadLetter {
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
      letters.push(...Messages.map(describe));
    }
  } finally {
    await reveal(sqs, queueUrl, letters);
  }
  return letters;
}

/** Make read letters visible again; best effort — a letter not revealed reappears on its own. */
async function reveal(sqs: SQSClient, queueUrl: string, letters: DeadLetter[]) {
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

/** DLQ → the queue it serves; a redrive policy does not change while a process runs. */
const sources = new Map<string, string>();

/** An endpoint that does not offer an SQS action (emulators lack some) — not a failure of ours. */
const notOffered = (error: unknown) =>
  /InvalidAction|UnsupportedOperation|UnknownOperation|NotImplemented|SyntaxError/i.test(
    (error as { name?: string }).name ?? '',
  );

/** The queue a DLQ serves: ListDeadLetterSourceQueues, or else the queue whose redrive policy names it. */
export async function sourceQueueOf(sqs: SQSClient, deadLetterQueueUrl: string): Promise<string> {
  const known = sources.get(deadLetterQueueUrl);
  if (known) return known;
  let queueUrls: string[];
  try {
    ({ queueUrls = [] } = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: deadLetterQueueUrl }),
    ));
  } catch (error) {
    if (!notOffered(error)) throw error;
    // Without ListDeadLetterSourceQueues (MiniStack has none), the queue beside it whose name is
    // the DLQ's without `-dlq` first — one call, not one per queue of the account: through a
    // flaky endpoint a scan of every queue practically never got through (the chaos run's
    // notifier DLQ was never redriven) — and only if it is not the source, the scan.
    const deadLetterArn = await queueArn(sqs, deadLetterQueueUrl);
    const beside = deadLetterQueueUrl.replace(/-dlq$/, '');
    queueUrls =
      beside !== deadLetterQueueUrl && (await redrivesTo(sqs, beside, deadLetterArn))
        ? [beside]
        : await queuesRedrivingTo(sqs, deadLetterArn);
  }
  const [source, ...others] = queueUrls;
  if (source && !others.length) sources.set(deadLetterQueueUrl, source);
  if (!source || others.length) {
    throw new Error(
      `${deadLetterQueueUrl} is the DLQ of ${queueUrls.length} queues; expected exactly one.`,
    );
  }
  return source;
}

/** Whether a queue's redrive policy names the DLQ; false for a queue that does not exist. */
async function redrivesTo(sqs: SQSClient, queueUrl: string, deadLetterArn: string) {
  try {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    const policy = Attributes?.RedrivePolicy && JSON.parse(Attributes.RedrivePolicy);
    return policy?.deadLetterTargetArn === deadLetterArn;
  } catch (error) {
    if (/NonExistentQueue|QueueDoesNotExist/.test((error as { name?: string }).name ?? ''))
      return false;
    throw error;
  }
}

async function queuesRedrivingTo(sqs: SQSClient, deadLetterArn: string): Promise<string[]> {
  const found: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ NextToken, MaxResults: 1000 }));
    for (const url of page.QueueUrls ?? [])
      if (await redrivesTo(sqs, url, deadLetterArn)) found.push(url);
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

const queueArn = async (sqs: SQSClient, queueUrl: string): Promise<string> => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`No ARN for ${queueUrl}`);
  return Attributes.QueueArn;
};

export interface RedriveOptions {
  /** Move at most this many messages (receive → send → delete path). */
  max?: number;
  /** Only messages with this failure.code (receive → send → delete path). */
  code?: string;
  /** Only messages this accepts, e.g. everything but poison (receive → send → delete path). */
  filter?: (letter: DeadLetter) => boolean;
  /** Force the receive → send → delete path even where StartMessageMoveTask exists. */
  manual?: boolean;
  /**
   * Seconds a letter read by the receive → send → delete path stays hidden if it cannot be made
   * visible again (a reveal that failed); default 60.
   */
  hideSeconds?: number;
  /**
   * Letters a second at most (StartMessageMoveTask's MaxNumberOfMessagesPerSecond, 1–500, or the
   * same pace by hand): a large redrive must not hand the consumer the backlog that put the
   * letters there. `consumerPace` says what a deployed consumer can take.
   */
  perSecond?: number;
  /** Called with the count moved so far, every few seconds of a long redrive. */
  onProgress?: (moved: number) => void;
  /** For tests: the pause and the clock. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A redrive that failed part-way (a receive the endpoint refused): says how far it got. */
export class RedriveInterrupted extends Error {
  override name = 'RedriveInterrupted';
  constructor(
    readonly moved: number,
    cause: unknown,
  ) {
    super(
      `The redrive stopped after moving ${moved} message(s): ${(cause as Error)?.message ?? cause}. Run it again for the rest.`,
      { cause },
    );
  }
}

export interface RedriveResult {
  method: 'StartMessageMoveTask' | 'receive-send-delete';
  moved: number;
  /** Messages it read but left in the DLQ (another code, a send that failed, or a delete that failed after the send). */
  left: number;
}

/** The original message as the consumer first received it: its body, its attributes, no `failure.*`. */
export function originalAttributes(
  attributes: Record<string, MessageAttributeValue>,
): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes)
      .filter(([name]) => !name.startsWith(FAILURE_PREFIX))
      .map(([name, value]) => [name, { DataType: value.DataType, StringValue: value.StringValue }]),
  );
}

/**
 * Put dead letters back on the queue they came from. A whole DLQ moves with SQS's own
 * StartMessageMoveTask where the endpoint has it; a partial one (--max, --code), or an endpoint
 * without it, is moved message by message — each deleted only after its send succeeded.
 */
export async function redrive(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  options: RedriveOptions = {},
): Promise<RedriveResult> {
  const source = await sourceQueueOf(sqs, deadLetterQueueUrl);
  const partial = options.max !== undefined || options.code !== undefined || options.filter;
  if (!options.manual && !partial) {
    const moved = await moveTask(sqs, deadLetterQueueUrl, source, options);
    if (moved !== undefined) return { method: 'StartMessageMoveTask', moved, left: 0 };
  }
  return moveByHand(sqs, deadLetterQueueUrl, source, options);
}

/** StartMessageMoveTask and wait for it; undefined when the endpoint does not offer it. */
async function moveTask(
  sqs: SQSClient,
  dlqUrl: string,
  sourceUrl: string,
  { perSecond, onProgress }: RedriveOptions,
) {
  const SourceArn = await queueArn(sqs, dlqUrl);
  const rate =
    perSecond === undefined ? undefined : Math.min(500, Math.max(1, Math.floor(perSecond)));
  try {
    await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn,
        DestinationArn: await queueArn(sqs, sourceUrl),
        ...(rate ? { MaxNumberOfMessagesPerSecond: rate } : {}),
      }),
    );
  } catch (error) {
    if (notOffered(error)) return undefined;
    throw error;
  }
  // Paced, a large DLQ takes as long as its count at that rate: the wait allows for it.
  const total = await countMessages(sqs, dlqUrl);
  const deadline = Date.now() + 10 * 60_000 + (rate ? (total / rate) * 1000 : 0);
  let said = Date.now();
  for (;;) {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn }));
    const task = Results[0];
    if (task?.Status === 'COMPLETED') return task.ApproximateNumberOfMessagesMoved ?? 0;
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      throw new Error(`The message move task ended ${task.Status}: ${task.FailureReason ?? ''}`);
    }
    if (Date.now() > deadline) throw new Error('The message move task did not finish in time');
    if (onProgress && Date.now() - said >= PROGRESS_MS) {
      onProgress(task?.ApproximateNumberOfMessagesMoved ?? 0);
      said = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const PROGRESS_MS = 5_000;

/** Receives in a row that may fail before a by-hand redrive gives up (and says how far it got). */
const RECEIVE_TRIES = 5;

async function moveByHand(
  sqs: SQSClient,
  dlqUrl: string,
  sourceUrl: string,
  {
    max = Number.POSITIVE_INFINITY,
    code,
    filter = () => true,
    hideSeconds = 60,
    perSecond,
    onProgress,
    sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
    now = Date.now,
  }: RedriveOptions,
): Promise<RedriveResult> {
  const started = now();
  let said = started;
  let moved = 0;
  let notDeleted = 0;
  // Letters left in the DLQ, by message id, with their newest receipt handle and when their hide
  // was last set. A long (paced) redrive would outlive that hide, and they would come back first
  // (MiniStack hands letters out oldest first), ahead of the letters it is there to move, so
  // their hide is renewed at half its length while the redrive runs, like a lease: should the
  // process die, they are visible again within hideSeconds. A renewal that fails lets a letter
  // come back; it is skipped again. Once every skipped letter has come back with nothing new in
  // between, the redrive has been all the way round: nothing is left to move.
  const skipped = new Map<string, DeadLetter>();
  const hiddenAt = new Map<string, number>();
  // The messages this call sent back: one that fails again while the redrive runs is
  // dead-lettered again (naming the message it failed on, or with its id when SQS's redrive
  // policy moved it) and must stay there — moving it again would loop for as long as it fails.
  const sent = new Set<string>();
  const sentByUs = (l: DeadLetter) =>
    sent.has(l.messageId) || (l.originalMessageId !== undefined && sent.has(l.originalMessageId));
  const backSinceNew = new Set<string>();
  const keepHidden = async () => {
    const due = [...skipped.values()].filter(
      (l) => now() - (hiddenAt.get(l.messageId) ?? 0) >= (hideSeconds * 1000) / 2,
    );
    for (let i = 0; i < due.length; i += 10) {
      const batch = due.slice(i, i + 10);
      const { Successful = [] } = await sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: dlqUrl,
            Entries: batch.map((l, j) => ({
              Id: String(j),
              ReceiptHandle: l.receiptHandle,
              VisibilityTimeout: hideSeconds,
            })),
          }),
        )
        .catch(() => ({ Successful: [] }));
      for (const { Id } of Successful) hiddenAt.set(batch[Number(Id)]?.messageId ?? '', now());
    }
  };
  let failedReceives = 0;
  try {
    while (moved < max) {
      if (hideSeconds > 0) await keepHidden();
      let Messages: Message[];
      try {
        ({ Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: Math.min(10, max - moved),
            VisibilityTimeout: hideSeconds,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          }),
        ));
        failedReceives = 0;
      } catch (error) {
        // A receive moves nothing, so asking again is safe; giving up at the first failure
        // would leave whatever lies behind the skipped letters unreached on a flaky endpoint.
        if (++failedReceives >= RECEIVE_TRIES) throw error;
        await sleep(200 * failedReceives);
        continue;
      }
      if (Messages.length === 0) break;
      const letters = Messages.map(describe);
      const anyNew = letters.some((l) => !skipped.has(l.messageId));
      const movedBefore = moved;
      for (const letter of letters) {
        if (
          (code !== undefined && letter.code !== code) ||
          !filter(letter) ||
          moved >= max ||
          sentByUs(letter)
        ) {
          skipped.set(letter.messageId, letter);
          hiddenAt.set(letter.messageId, now());
          continue;
        }
        skipped.delete(letter.messageId); // skipped before on a failed send: its new handle
        // The pace: letter n leaves no sooner than n / perSecond seconds after the start.
        if (perSecond) await sleep(Math.max(0, started + (moved / perSecond) * 1000 - now()));
        try {
          const { MessageId } = await sqs.send(
            new SendMessageCommand({
              QueueUrl: sourceUrl,
              MessageBody: letter.body,
              MessageAttributes: {
                ...originalAttributes(letter.attributes),
                [REDRIVE_COUNT]: { DataType: 'Number', StringValue: String(letter.redriven + 1) },
              },
            }),
          );
          if (MessageId) sent.add(MessageId);
        } catch {
          skipped.set(letter.messageId, letter); // not sent, so not deleted: it stays in the DLQ
          hiddenAt.set(letter.messageId, now());
          continue;
        }
        moved++;
        if (onProgress && now() - said >= PROGRESS_MS) {
          onProgress(moved);
          said = now();
        }
        try {
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: letter.receiptHandle }),
          );
        } catch {
          // Sent but still in the DLQ: a later redrive sends it again, and the consumer's
          // idempotency makes that copy harmless. Never the other way round.
          notDeleted++;
        }
      }
      if (anyNew || moved > movedBefore) backSinceNew.clear();
      else for (const l of letters) backSinceNew.add(l.messageId);
      if (backSinceNew.size > 0 && backSinceNew.size >= skipped.size) break;
    }
  } catch (error) {
    throw new RedriveInterrupted(moved, error);
  } finally {
    await reveal(sqs, dlqUrl, [...skipped.values()]);
  }
  return { method: 'receive-send-delete', moved, left: skipped.size + notDeleted };
}

/** Drop every message of a DLQ. */
export async function purge(sqs: SQSClient, deadLetterQueueUrl: string): Promise<number> {
  const count = await countMessages(sqs, deadLetterQueueUrl);
  await sqs.send(new PurgeQueueCommand({ QueueUrl: deadLetterQueueUrl }));
  return count;
}
