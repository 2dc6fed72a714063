import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import {
  countMessages,
  type DeadLetter,
  describeLetter,
  FAILURE_PREFIX,
  REDRIVE_COUNT,
  reveal,
} from './dead-letters.ts';
import { notOffered, queueArn, sourceQueueOf } from './source-queue.ts';

// Putting dead letters back on the queue they came from, once the cause is fixed: SQS's own move
// task for a whole DLQ, message by message for part of one (dead-letters.ts reads them).

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
      const letters = Messages.map(describeLetter);
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
