import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { buildCloudEvent, type CloudEvent, type EventLineage } from '../events/cloud-event.ts';
import type { EventContract } from '../events/contract.ts';
import { ContractViolation } from '../events/contract-violation.ts';
import {
  currentContract,
  type EventData,
  type EventDataInput,
  type EventType,
  validateData,
} from '../events/registry.ts';
import { snsClient } from './aws/clients.ts';
import { claimDerivedEventId, currentEvent, releaseDerivedEventId } from './event-scope.ts';

/** SNS refuses messages (body + attributes) over 256 KiB, and batches over the same total. */
export const SNS_MAX_MESSAGE_BYTES = 256 * 1024;
export const SNS_MAX_BATCH_ENTRIES = 10;

export interface PublisherOptions {
  topicArn: string;
  /** CloudEvents `source`: the publishing service. */
  source: string;
  sns?: SNSClient;
  /** Attempts per entry in publishBatch (the first included). */
  maxAttempts?: number;
  baseDelayMs?: number;
}

/** What `publish` takes beside the type and data. */
export interface PublishOptions extends EventLineage {
  /**
   * What this event is about among the events of its type published while handling one event
   * (e.g. a webhook target's name): its derived id comes from it. Required on every publish of a
   * type published more than once per handled event; optional for a type published once.
   */
  key?: string;
}

export interface PublishItem<T extends EventType = EventType> {
  type: T;
  data: EventDataInput<T>;
  lineage?: EventLineage;
  /** As PublishOptions' key. */
  key?: string;
}

export interface BatchFailure {
  event: CloudEvent;
  code: string;
  message: string;
}

export interface PublishBatchReport {
  events: CloudEvent[];
  /** PublishBatch calls made, retries included. */
  calls: number;
}

/** Some entries of a batch could not be published even after retries; none is dropped silently. */
export class PublishBatchError extends Error {
  override name = 'PublishBatchError';
  constructor(
    readonly failures: BatchFailure[],
    readonly published: CloudEvent[],
  ) {
    super(
      `${failures.length} event(s) could not be published: ${failures
        .map((f) => `${f.event.type} ${f.event.id} (${f.code}: ${f.message})`)
        .join('; ')}`,
    );
  }
}

export interface Outgoing {
  event: CloudEvent;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  bytes: number;
  /** Gives its derived id back when it is not sent, so the same publish can be tried again. */
  unsent: () => void;
}

/**
 * Lineage: explicit values win; else carried from the event being handled (with an id derived
 * from it and the key, stable across retries); else a new flow with a random id.
 */
function resolveLineage(
  source: string,
  type: string,
  lineage: EventLineage = {},
  key?: string,
): EventLineage & { unsent: () => void } {
  const handling = currentEvent();
  const derived = lineage.id === undefined ? claimDerivedEventId(source, type, key) : undefined;
  return {
    id: lineage.id ?? derived,
    correlationId: lineage.correlationId ?? handling?.correlationid,
    causationId: lineage.causationId ?? handling?.id,
    unsent: () => derived && releaseDerivedEventId(source, type, key),
  };
}

function prepare<T extends EventType>(item: PublishItem<T>, source: string): Outgoing {
  const contract: EventContract = currentContract(item.type);
  const data: EventData<T> = validateData(item.type, item.data, contract);
  const { unsent, ...lineage } = resolveLineage(source, item.type, item.lineage, item.key);
  try {
    return { ...build(contract, data, source, lineage), unsent };
  } catch (error) {
    unsent();
    throw error;
  }
}

/** The CloudEvent, its body and attributes; refused over SNS's size limit. */
function build(
  contract: EventContract,
  data: unknown,
  source: string,
  lineage: EventLineage,
): Omit<Outgoing, 'unsent'> {
  const event = buildCloudEvent(contract, data, source, lineage);
  const body = JSON.stringify(event);
  // Filter policies match on these; they duplicate envelope fields on purpose.
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: event.type },
    source: { DataType: 'String', StringValue: event.source },
  };
  const bytes =
    Buffer.byteLength(body) +
    Object.entries(attributes).reduce(
      (sum, [name, value]) =>
        sum +
        Buffer.byteLength(name) +
        Buffer.byteLength(value.DataType ?? '') +
        Buffer.byteLength(value.StringValue ?? ''),
      0,
    );
  if (bytes > SNS_MAX_MESSAGE_BYTES) {
    throw new ContractViolation(
      'MESSAGE_TOO_LARGE',
      `${event.type} event is ${bytes} bytes; SNS accepts at most ${SNS_MAX_MESSAGE_BYTES}`,
    );
  }
  return { event, body, attributes, bytes };
}

/**
 * Every item validated and built before anything is sent; none keeps an id if one fails. What a
 * publish sends, ready to be stored instead (shared/outbox.ts) and sent later: give each one's
 * derived id back (`unsent`) if it is never stored.
 */
export function prepareAll(items: PublishItem[], source: string): Outgoing[] {
  const prepared: Outgoing[] = [];
  try {
    for (const item of items) prepared.push(prepare(item, source));
  } catch (error) {
    for (const p of prepared) p.unsent();
    throw error;
  }
  return prepared;
}

/** Split into PublishBatch calls: at most 10 entries and 256 KiB each. */
function chunk(items: Outgoing[]): Outgoing[][] {
  const chunks: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length === SNS_MAX_BATCH_ENTRIES || bytes + item.bytes > SNS_MAX_MESSAGE_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createPublisher(options: PublisherOptions) {
  const { topicArn, source, maxAttempts = 4, baseDelayMs = 100 } = options;
  const sns = () => options.sns ?? snsClient();

  /**
   * Validate, wrap in a CloudEvent and publish one event. Returns the event sent. `options`: the
   * lineage, and the `key` a type published more than once per handled event needs.
   */
  async function publish<T extends EventType>(
    type: T,
    data: EventDataInput<T>,
    { key, ...lineage }: PublishOptions = {},
  ): Promise<CloudEvent<T, EventData<T>>> {
    const out = prepare({ type, data, lineage, key }, source);
    try {
      await sns().send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: out.body,
          MessageAttributes: out.attributes,
        }),
      );
    } catch (error) {
      out.unsent();
      throw error;
    }
    return out.event as CloudEvent<T, EventData<T>>;
  }

  /**
   * Publish many events with PublishBatch. Every event is validated before anything is sent;
   * entries SNS reports as failed are retried with exponential backoff; what still fails is
   * thrown as PublishBatchError.
   */
  async function publishBatch(items: PublishItem[]): Promise<PublishBatchReport> {
    const prepared = prepareAll(items, source);
    const published: CloudEvent[] = [];
    try {
      const calls = await sendAll(prepared, published);
      return { events: published, calls };
    } catch (error) {
      for (const p of prepared) if (!published.includes(p.event)) p.unsent();
      throw error;
    }
  }

  /** PublishBatch calls until every entry is sent or failed for good; returns how many calls. */
  async function sendAll(prepared: Outgoing[], published: CloudEvent[]): Promise<number> {
    const failures: BatchFailure[] = [];
    let calls = 0;

    for (const batch of chunk(prepared)) {
      let pending = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const byId = new Map(pending.map((p) => [p.event.id, p]));
        const entries: PublishBatchRequestEntry[] = pending.map((p) => ({
          Id: p.event.id,
          Message: p.body,
          MessageAttributes: p.attributes,
        }));
        calls++;
        const result = await sns().send(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        );
        for (const ok of result.Successful ?? []) {
          const item = ok.Id ? byId.get(ok.Id) : undefined;
          if (item) published.push(item.event);
        }
        const retry: Outgoing[] = [];
        for (const failed of result.Failed ?? []) {
          const item = failed.Id ? byId.get(failed.Id) : undefined;
          if (!item) continue;
          // SenderFault: the request itself is wrong; retrying cannot help.
          if (failed.SenderFault || attempt >= maxAttempts) {
            failures.push({
              event: item.event,
              code: failed.Code ?? 'Unknown',
              message: failed.Message ?? '',
            });
          } else {
            retry.push(item);
          }
        }
        pending = retry;
        if (pending.length) await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
    if (failures.length) throw new PublishBatchError(failures, published);
    return calls;
  }

  return { publish, publishBatch };
}

export type Publisher = ReturnType<typeof createPublisher>;
