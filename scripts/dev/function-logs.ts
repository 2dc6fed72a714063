// The deployed functions' logs in npm run dev's terminal: CloudWatch Logs (where Lambda, and
// MiniStack, put what a function writes) read every few hundred milliseconds, one line per
// entry — Powertools' JSON reduced to time, service, level, message, the event's type and id and
// the entry's own keys; anything else (console.log, a crash's stack) as it is.
import { styleText } from 'node:util';
import {
  CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';

export interface LoggingFunction {
  alias: string;
  name: string;
  service?: string;
}

type Colour = Parameters<typeof styleText>[0];
const PALETTE: Colour[] = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'redBright'];

/** A colour per service, stable for a set of services (their sorted order), hashed beyond it. */
export function serviceColours(services: string[]): (service: string) => Colour {
  const known = [...new Set(services)].sort();
  return (service) => {
    const index = known.indexOf(service);
    if (index >= 0) return PALETTE[index % PALETTE.length] as Colour;
    let hash = 0;
    for (const c of service) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    return PALETTE[hash % PALETTE.length] as Colour;
  };
}

/** Powertools' standard keys: said by the line's layout, or not worth a terminal line. */
const STANDARD = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'event',
]);

// Lambda's own lines, and a warning MiniStack's Node runtime wrapper prints at every cold start
// (its url.parse, not the function's code).
const NOISE = [
  /^(START|END|REPORT|INIT_START) RequestId: /,
  /^INIT_START /,
  /^\(node:\d+\) \[DEP0169\] /,
  /^\(Use `node --trace-deprecation \.\.\.` /,
];

/** `14:03:07.123`: the time a terminal line is about, local time. */
export const clock = (date: Date) =>
  `${date.toTimeString().slice(0, 8)}.${String(date.getMilliseconds()).padStart(3, '0')}`;

const compact = (value: unknown) =>
  (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\s*\n\s*/g, ' ');

/**
 * One terminal line for one log entry of a function, or undefined for what is not worth one
 * (Lambda's START/END/REPORT, metrics in EMF, the emulator's own warnings).
 */
export function formatLogEntry(
  fn: LoggingFunction,
  message: string,
  timestamp: number,
  colourOf: (service: string) => Colour,
): string | undefined {
  const text = message.trimEnd();
  if (!text || NOISE.some((pattern) => pattern.test(text))) return undefined;
  let entry: Record<string, unknown> | undefined;
  if (text.startsWith('{')) {
    try {
      entry = JSON.parse(text) as Record<string, unknown>;
    } catch {
      entry = undefined;
    }
  }
  if (entry && '_aws' in entry) return undefined; // a metric (EMF), not a log entry
  const service =
    typeof entry?.service === 'string' && entry.service !== 'service_undefined'
      ? entry.service
      : (fn.service ?? fn.alias);
  const tag = styleText(colourOf(service), service.padEnd(12));
  if (!entry || typeof entry.message !== 'string') {
    return `${clock(new Date(timestamp))} ${tag} ${styleText('dim', fn.alias)} ${compact(text)}`;
  }
  const level = String(entry.level ?? 'INFO');
  const levelText =
    level === 'ERROR' || level === 'CRITICAL'
      ? styleText('red', level.padEnd(5))
      : level === 'WARN'
        ? styleText('yellow', level.padEnd(5))
        : styleText('dim', level.padEnd(5));
  const time =
    typeof entry.timestamp === 'string' && !Number.isNaN(Date.parse(entry.timestamp))
      ? new Date(entry.timestamp)
      : new Date(timestamp);
  const event = entry.event as { type?: string; id?: string } | undefined;
  const parts = [`${clock(time)} ${tag} ${levelText} ${entry.message}`];
  if (event?.type || event?.id)
    parts.push(styleText(colourOf(service), `${event.type ?? '?'} ${event.id ?? '?'}`));
  const extras = Object.entries(entry)
    .filter(([key]) => !STANDARD.has(key))
    .map(([key, value]) => {
      if (key === 'error' && value && typeof value === 'object') {
        const error = value as { name?: string; message?: string };
        return `error=${error.name ?? 'Error'}: ${compact(error.message ?? '')}`;
      }
      return `${key}=${compact(value)}`;
    });
  if (extras.length) parts.push(styleText('dim', extras.join(' ')));
  return parts.join('  ');
}

/**
 * How far back each poll reads, from the newest entry seen: an entry may arrive after newer ones
 * (MiniStack stamps an invocation's lines with the time it writes its stream, when it ends, and
 * two invocations ending together may be stored out of that order; AWS stamps a line when printed
 * and ingests it later, so a long invocation's early lines land after a shorter one's). What a
 * poll printed already is known by its id, so the overlap prints nothing twice.
 */
export const LOOKBACK_MS = 10_000;

/** The functions' new log entries, printed as they come, until stop(). */
export function followFunctionLogs(
  functions: LoggingFunction[],
  print: (line: string) => void,
  { intervalMs = 300, since = Date.now(), lookbackMs = LOOKBACK_MS } = {},
) {
  const logs = new CloudWatchLogsClient({});
  const colourOf = serviceColours(functions.map((f) => f.service ?? f.alias));
  // Per log group: the newest timestamp seen, and the entries printed within the lookback window
  // (by id, and their timestamp to forget them once out of it).
  const cursors = new Map<string, { newest: number; printed: Map<string, number> }>();
  const failures = new Set<string>();
  let stopped = false;
  let current: Promise<void> = Promise.resolve();

  async function poll(fn: LoggingFunction) {
    const logGroupName = `/aws/lambda/${fn.name}`;
    let cursor = cursors.get(logGroupName);
    if (!cursor) {
      cursor = { newest: since, printed: new Map() };
      cursors.set(logGroupName, cursor);
    }
    const startTime = Math.max(since, cursor.newest - lookbackMs);
    const events: FilteredLogEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({ logGroupName, startTime, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken && !stopped);
    events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    // An entry's id: its eventId (AWS, and MiniStack for PutLogEvents), else — MiniStack's own
    // Lambda logs have none — its stream, timestamp and rank among that stream's entries at that
    // timestamp (a stream is one invocation's, written at once, and startTime keeps or drops all
    // entries of a millisecond together, so the rank is the same in every poll).
    const rank = new Map<string, number>();
    for (const event of events) {
      const eventTime = event.timestamp ?? 0;
      const at = `${event.logStreamName}@${eventTime}`;
      const n = rank.get(at) ?? 0;
      rank.set(at, n + 1);
      const key = event.eventId ?? `${at}#${n}`;
      if (cursor.printed.has(key)) continue;
      cursor.printed.set(key, eventTime);
      cursor.newest = Math.max(cursor.newest, eventTime);
      const line = formatLogEntry(fn, event.message ?? '', eventTime, colourOf);
      if (line) print(line);
    }
    const horizon = Math.max(since, cursor.newest - lookbackMs);
    for (const [key, time] of cursor.printed) if (time < horizon) cursor.printed.delete(key);
  }

  async function loop() {
    while (!stopped) {
      current = Promise.all(
        functions.map((fn) =>
          poll(fn).catch((error: unknown) => {
            // A function not invoked yet may have no log group on some emulators.
            const said = `(logs of ${fn.alias}: ${(error as Error).message})`;
            if (error instanceof ResourceNotFoundException || stopped || failures.has(said)) return;
            failures.add(said); // once, not every poll
            print(styleText('dim', said));
          }),
        ),
      ).then(() => {});
      await current;
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
  void loop();

  return {
    stop: async () => {
      stopped = true;
      await current;
      logs.destroy();
    },
  };
}
