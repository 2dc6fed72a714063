import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runInRecordScope } from '../event-scope.ts';
import { createLogger } from '../logger.ts';
import { recordContext } from './record-context.ts';

const eventOf = (n: number) => ({
  id: `e-${n}`,
  type: 'calculation.requested',
  correlationid: `c-${n}`,
  causationid: `x-${n}`,
});

/** The JSON log lines written while `fn` runs. */
async function logLinesOf(fn: () => Promise<unknown>) {
  const lines: Record<string, unknown>[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('recordContext', () => {
  it('names its own event on every log line of a record, with batch-mates handled at once', async () => {
    const logger = createLogger('test');
    const handle = middy(async (event: { id: string }) => {
      logger.info('before the wait', { expected: event.id });
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 10)); // interleave the records
      logger.info('after the wait', { expected: event.id });
    }).use(recordContext());
    const lines = await logLinesOf(async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          runInRecordScope(() => handle(eventOf(n) as never, {} as never)),
        ),
      );
      logger.info('outside any record');
    });
    const inside = lines.filter((l) => l.expected);
    expect(inside).toHaveLength(40);
    for (const line of inside) {
      const n = Number(String(line.expected).slice(2));
      expect(line.event).toEqual(eventOf(n));
    }
    expect(lines.find((l) => l.message === 'outside any record')).not.toHaveProperty('event');
  });

  it('keeps the standard Powertools keys', async () => {
    const lines = await logLinesOf(async () => createLogger('test').info('hello', { extra: 1 }));
    expect(lines[0]).toMatchObject({ level: 'INFO', message: 'hello', service: 'test', extra: 1 });
    expect(lines[0]?.timestamp).toEqual(expect.any(String));
  });
});
