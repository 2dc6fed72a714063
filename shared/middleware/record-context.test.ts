import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordContext } from './record-context.ts';

const event = {
  id: 'e-1',
  type: 'calculation.requested',
  correlationid: 'c-1',
  causationid: 'x-1',
};

/** The JSON log lines the logger writes while `fn` runs. */
async function logLinesOf(fn: (logger: Logger) => Promise<unknown>) {
  const lines: Record<string, unknown>[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
  try {
    await fn(new Logger({ serviceName: 'test', logLevel: 'INFO' })).catch(() => undefined);
  } finally {
    spy.mockRestore();
  }
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('recordContext', () => {
  it('adds the event ids to every log line of the record, and only of that record', async () => {
    const lines = await logLinesOf(async (logger) => {
      await middy(() => logger.info('inside')).use(recordContext({ logger }))(
        event as never,
        {} as never,
      );
      logger.info('after');
    });
    expect(lines.find((l) => l.message === 'inside')).toMatchObject({ event });
    expect(lines.find((l) => l.message === 'after')).not.toHaveProperty('event');
  });

  it('removes them when the handler fails too', async () => {
    const lines = await logLinesOf(async (logger) => {
      await middy(() => {
        throw new Error('boom');
      })
        .use(recordContext({ logger }))(event as never, {} as never)
        .catch(() => logger.info('after failure'));
    });
    expect(lines.find((l) => l.message === 'after failure')).not.toHaveProperty('event');
  });
});
