import middy from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../errors.ts';
import { invocationsDied, receivedPastSchedule } from './invocations-died.ts';

const record = (receives: number) =>
  ({
    messageId: 'm',
    body: '{}',
    attributes: { ApproximateReceiveCount: String(receives) },
  }) as unknown as SQSRecord;
const run = (receives: number, maxReceiveCount?: number) =>
  middy(() => 'handled').use(invocationsDied({ maxReceiveCount }))(
    record(receives) as never,
    {} as never,
  );

describe('invocationsDied', () => {
  it('lets every scheduled receive through, the last one included', async () => {
    for (const receives of [1, 4, 5]) expect(await run(receives, 5)).toBe('handled');
    expect(await run(99)).toBe('handled'); // no schedule declared: SQS's redrive alone
  });

  it('dead-letters the safety-net receive at once, saying the invocations died', async () => {
    const error = await run(6, 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('INVOCATIONS_DIED');
    expect((error as Error).message).toMatch(/^Received 6 times: .*last scheduled receive \(5\)/);
    expect(receivedPastSchedule(record(6), 5)).toBe(true);
  });
});
