// Every event on the bus during a chaos run — the engine's, the handlers' own, the scenarios' —
// read from a queue subscribed to the topic (scripts/local/event-tap.ts).
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { removeStaleTaps, tapEvents } from '../local/event-tap.ts';

export interface BusEvent {
  id: string;
  type: string;
  source: string;
  data: unknown;
}

/** A tap's name starts with this; a killed run's taps are removed by the next one. */
const PREFIX = 'chaos-audit-';

/**
 * Tap the topic and read it until `stop`: `seen` holds every event id once (poison, which carries
 * `chaos-poison-`, and anything that is not an event pass by), `onEvent` gets each copy.
 */
export async function startBusAudit(options: {
  sqs: SQSClient;
  topicArn: string;
  runId: string;
  log: (line: string) => void;
  onEvent: (event: BusEvent, body: string) => void;
}) {
  const { sqs, topicArn, runId, log, onEvent } = options;
  const stale = await removeStaleTaps(topicArn, PREFIX);
  if (stale) log(`removed ${stale} audit queue(s) a killed run left behind`);
  const tap = await tapEvents(topicArn, `${PREFIX}${runId}`);
  const seen = new Map<string, { type: string; source: string }>();
  let reading = true;

  const readOnce = async () => {
    const { Messages = [] } = await sqs
      .send(
        new ReceiveMessageCommand({
          QueueUrl: tap.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 300,
        }),
      )
      .catch(() => ({ Messages: [] }));
    for (const m of Messages) {
      const body = m.Body ?? '';
      const event = body.includes('chaos-poison-') ? undefined : eventOf(body);
      if (!event) continue;
      if (!seen.has(event.id)) seen.set(event.id, { type: event.type, source: event.source });
      onEvent(event, body);
    }
    if (Messages.length)
      await sqs
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: tap.url,
            Entries: Messages.map((m, i) => ({
              Id: String(i),
              ReceiptHandle: m.ReceiptHandle ?? '',
            })),
          }),
        )
        .catch(() => undefined);
  };
  const loop = (async () => {
    while (reading) await readOnce();
  })();

  return {
    url: tap.url,
    seen,
    /** Read what is left, then stop. */
    stop: async () => {
      reading = false;
      await loop;
    },
    remove: () => tap.remove(),
  };
}

/** The event a tapped message carries, or undefined (poison of a scenario's own passes here too). */
function eventOf(body: string): BusEvent | undefined {
  try {
    const e = JSON.parse(body) as {
      id?: unknown;
      type?: unknown;
      source?: unknown;
      data?: unknown;
    };
    if (typeof e.id !== 'string' || typeof e.type !== 'string') return undefined;
    return { id: e.id, type: e.type, source: String(e.source), data: e.data };
  } catch {
    return undefined;
  }
}
