import { randomUUID } from 'node:crypto';
import type { EventContract } from './contract.ts';
import * as z from './zod.ts';

/**
 * CloudEvents 1.0, structured mode, JSON, as any producer may send it: only the attributes
 * CloudEvents makes REQUIRED (specversion, id, source, type) are demanded. The optional ones and
 * this project's extensions get defaults when the event is parsed (events/registry.ts):
 * `dataschema` → the type's oldest registered major, `correlationid` → the event's own id (a new
 * flow), `datacontenttype` → application/json; `time` and `causationid` stay absent.
 * Extension names are lowercase alphanumerics.
 */
/**
 * Whether a media type is JSON: `application/json` or `application/<suffix>+json`, any case, with
 * any parameters (`application/json; charset=utf-8`), as RFC 9110 lets a producer write it.
 */
export function isJsonMediaType(mediaType: string): boolean {
  const essence = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^application\/([a-z0-9!#$&^_.-]+\+)?json$/.test(essence);
}

/**
 * An event id: 1–128 printable ASCII characters, no space at either end. It becomes the
 * `webhook-id` header, which fetch refuses with a control character or anything above U+00FF and
 * trims of spaces (then the receiver checks the signature against another id): such an id would be
 * retried for a day as if the receiver were down. Every id this system builds is a UUID.
 */
const eventId = () =>
  z.string().check(
    z.minLength(1),
    z.maxLength(128, { error: 'must be at most 128 characters' }),
    z.regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, {
      error: 'must be printable ASCII (no control characters, no space at either end)',
    }),
  );
const text = () => z.string().check(z.minLength(1));

// Built the first time an event is parsed (z.lazy), and bundled only into functions that parse
// events (the mark: zod's own is not seen through events/zod.ts).
export const CloudEventEnvelope = /* @__PURE__ */ z.lazy(() =>
  z.object({
    specversion: z.literal('1.0'),
    id: eventId(),
    source: text(),
    type: text(),
    time: z.optional(z.iso.datetime({ offset: true })),
    datacontenttype: z.optional(
      z.string().check(
        z.refine(isJsonMediaType, {
          error: (issue) =>
            `must be a JSON media type (application/json), not "${String(issue.input).slice(0, 40)}"`,
        }),
      ),
    ),
    dataschema: z.optional(text()),
    correlationid: z.optional(text()),
    causationid: z.optional(text()),
    data: z.unknown(),
  }),
);
export type CloudEventEnvelope = z.infer<typeof CloudEventEnvelope>;

/** A validated event: defaults filled in, `data` typed by its contract. */
export type CloudEvent<TType extends string = string, TData = unknown> = Omit<
  CloudEventEnvelope,
  'type' | 'data' | 'datacontenttype' | 'dataschema' | 'correlationid'
> & {
  type: TType;
  datacontenttype: 'application/json';
  dataschema: string;
  correlationid: string;
  data: TData;
};

export interface EventLineage {
  /** The id shared by every event of one business flow; a new flow starts one. */
  correlationId?: string;
  /** The id of the event (or request) that caused this one. */
  causationId?: string;
  /** A given event id (e.g. derived from the cause, for retries); a random UUID otherwise. */
  id?: string;
}

/** Build the envelope for already validated `data`. */
export function buildCloudEvent<TType extends string, TData>(
  contract: EventContract<TType>,
  data: TData,
  source: string,
  lineage: EventLineage = {},
  now: Date = new Date(),
): CloudEvent<TType, TData> {
  const id = lineage.id ?? randomUUID();
  return {
    specversion: '1.0',
    id,
    source,
    type: contract.type,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    dataschema: contract.dataschema,
    correlationid: lineage.correlationId ?? id,
    ...(lineage.causationId ? { causationid: lineage.causationId } : {}),
    data,
  };
}
