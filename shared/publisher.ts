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
import { currentEvent, nextDerivedEventId } from './event-scope.ts';

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

export interface PublishItem<T extends EventType = EventType> {
  type: T;
  data: EventDataInput<T>;
  lineage?: EventLineage;
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

interface Outgoing {
  event: CloudEvent;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  bytes: number;
}

/**
 * Lineage: explicit values win; else carried from the event being handled (with an id derived
 * from it, stable across retries); else a new flow with a random id.
 */
function resolveLineage(source: string, type: string, lineage: EventLineage = {}): EventLineage {
  const handling = currentEvent();
  return {
    id: lineage.id ?? nextDerivedEventId(source, type),
    correlationId: lineage.correlationId ?? handling?.correlationid,
    causationId: lineage.causationId ?? handling?.id,
  };
}

function prepare<T extends EventType>(item: PublishItem<T>, source: string): Outgoing {
  const contract: EventContract = currentContract(item.type);
  const data: EventData<T> = validateData(item.type, item.data, contract);
  const event = buildCloudEvent(
    contract,
    data,
    source,
    resolveLineage(source, item.type, item.lineage),
  );
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

  /** Validate, wrap in a CloudEvent and publish one event. Returns the event sent. */
  async function publish<T extends EventType>(
    type: T,
    data: EventDataInput<T>,
    lineage?: EventLineage,
  ): Promise<CloudEvent<T, EventData<T>>> {
    const out = prepare({ type, data, lineage }, source);
    await sns().send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: out.body,
        MessageAttributes: out.attributes,
      }),
    );
    return out.event as CloudEvent<T, EventData<T>>;
  }

  /**
   * Publish many events with PublishBatch. Every event is validated before anything is sent;
   * entries SNS reports as failed are retried with exponential backoff; what still fails is
   * thrown as PublishBatchError.
   */
  async function publishBatch(items: PublishItem[]): Promise<PublishBatchReport> {
    const prepared = items.map((item) => prepare(item, source));
    const published: CloudEvent[] = [];
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
    return { events: published, calls };
  }

  return { publish, publishBatch };
}

export type Publisher = ReturnType<typeof createPublisher>;
