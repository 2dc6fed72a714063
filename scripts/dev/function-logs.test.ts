import { stripVTControlCharacters } from 'node:util';
import {
  CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { followFunctionLogs, formatLogEntry, serviceColours } from './function-logs.ts';

const fn = { alias: 'zzprobeWorker', name: 'svc-local-zzprobeWorker', service: 'zzprobe' };
const colourOf = serviceColours(['zzprobe']);
const at = Date.UTC(2030, 0, 1, 12, 0, 0, 5);
const line = (message: string) => {
  const text = formatLogEntry(fn, message, at, colourOf);
  return text === undefined ? undefined : stripVTControlCharacters(text);
};

describe('formatLogEntry', () => {
  it("gives a Powertools entry one line: service, level, message, the event's type and id, its own keys", () => {
    const text = line(
      JSON.stringify({
        level: 'WARN',
        message: 'Transient failure',
        timestamp: '2030-01-01T12:00:00.005Z',
        service: 'zzprobe',
        function_request_id: 'r-1',
        event: { id: 'e-1', type: 'zzprobe.happened', correlationid: 'c-1' },
        attempt: 2,
        error: { name: 'TimeoutError', message: 'took\ntoo long', stack: 'at …' },
      }),
    );
    expect(text).toMatch(
      /^\d\d:\d\d:\d\d\.005 zzprobe +WARN +Transient failure {2}zzprobe\.happened e-1 {2}attempt=2 error=TimeoutError: took too long$/,
    );
  });

  it('keeps what a function prints otherwise, one line with its name', () => {
    expect(line('plain output')).toMatch(/ zzprobe +zzprobeWorker plain output$/);
  });

  it("leaves out Lambda's START/END/REPORT lines, metrics and the emulator runtime's warning", () => {
    expect(line('START RequestId: r-1 Version: $LATEST')).toBeUndefined();
    expect(line('END RequestId: r-1')).toBeUndefined();
    expect(line('REPORT RequestId: r-1\tDuration: 3 ms')).toBeUndefined();
    expect(line(JSON.stringify({ _aws: { Timestamp: at }, Count: 1 }))).toBeUndefined();
    expect(line('(node:42) [DEP0169] DeprecationWarning: `url.parse()` …')).toBeUndefined();
  });

  it('gives each service of a set its own colour', () => {
    const colours = serviceColours(['a', 'b', 'c']);
    expect(new Set(['a', 'b', 'c'].map(colours)).size).toBe(3);
  });
});

describe('followFunctionLogs', () => {
  const logs = mockClient(CloudWatchLogsClient);
  afterEach(() => logs.reset());

  it('prints each entry once, though entries share a millisecond and polls overlap', async () => {
    const event = (stream: string, message: string, timestamp = at): FilteredLogEvent => ({
      logStreamName: stream,
      timestamp,
      message,
    });
    const first = [event('s1', 'one'), event('s1', 'one')]; // the same text twice, both printed
    const second = [...first, event('s2', 'two'), event('s2', 'three', at + 1)];
    // Each poll reads back a window, so it gets the entries it printed again.
    logs.on(FilterLogEventsCommand).resolvesOnce({ events: first }).resolves({ events: second });
    const printed: string[] = [];
    const follower = followFunctionLogs([fn], (l) => printed.push(l), {
      intervalMs: 1,
      since: at,
    });
    await expect.poll(() => logs.commandCalls(FilterLogEventsCommand).length).toBeGreaterThan(3);
    await follower.stop();
    expect(printed.map((l) => stripVTControlCharacters(l).split('zzprobeWorker ')[1])).toEqual([
      'one',
      'one',
      'two',
      'three',
    ]);
    expect(logs.commandCalls(FilterLogEventsCommand).at(-1)?.args[0].input).toMatchObject({
      logGroupName: '/aws/lambda/svc-local-zzprobeWorker',
      startTime: at, // the lookback window (10 s from the newest), not before the start
    });
  });

  it('prints an entry that arrives after newer ones (a long invocation ends after a short one)', async () => {
    // The emulator as it stores them: each poll gets what it holds from startTime on.
    const stored: FilteredLogEvent[] = [];
    logs.on(FilterLogEventsCommand).callsFake(({ startTime = 0 }) => ({
      events: stored.filter((e) => (e.timestamp ?? 0) >= startTime),
    }));
    const printed: string[] = [];
    const follower = followFunctionLogs([fn], (l) => printed.push(l), {
      intervalMs: 1,
      since: at,
      lookbackMs: 40,
    });
    const calls = () => logs.commandCalls(FilterLogEventsCommand).length;
    // The short invocation, started later, ends first.
    stored.push({ logStreamName: 's2', timestamp: at + 50, message: 'short', eventId: 'e-3' });
    await expect.poll(() => printed.length).toBe(1);
    const after = calls();
    await expect.poll(calls).toBeGreaterThan(after + 1);
    // Then the long one's stream: two lines within the window, one older than it.
    stored.push(
      { logStreamName: 's1', timestamp: at + 5, message: 'too late', eventId: 'e-0' },
      { logStreamName: 's1', timestamp: at + 10, message: 'long begins', eventId: 'e-1' },
      { logStreamName: 's1', timestamp: at + 45, message: 'long ends', eventId: 'e-2' },
    );
    stored.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    await expect.poll(() => printed.length).toBe(3);
    const settled = calls();
    await expect.poll(calls).toBeGreaterThan(settled + 2);
    await follower.stop();
    expect(printed.map((l) => stripVTControlCharacters(l).split('zzprobeWorker ')[1])).toEqual([
      'short',
      'long begins',
      'long ends',
    ]);
    expect(logs.commandCalls(FilterLogEventsCommand).at(-1)?.args[0].input).toMatchObject({
      startTime: at + 10, // 40 ms back from the newest entry
    });
  });
});
