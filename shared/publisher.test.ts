import { randomUUID } from 'node:crypto';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../events/cloud-event.ts';
import { currentContract } from '../events/registry.ts';
import { runInEventScope } from './event-scope.ts';
import { createPublisher, PublishBatchError } from './publisher.ts';

const sns = mockClient(SNSClient);
const topicArn = 'arn:aws:sns:us-east-1:000000000000:events';
const publisher = createPublisher({
  topicArn,
  source: 'calculator',
  sns: new SNSClient({}),
  baseDelayMs: 1,
});
const data = () => ({ calculationId: randomUUID(), operation: 'add' as const, a: '1', b: '2' });
const items = (n: number) =>
  Array.from({ length: n }, () => ({ type: 'calculation.requested' as const, data: data() }));

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

describe('publish', () => {
  it('sends a CloudEvent with the type and source attributes filter policies match on', async () => {
    const event = await publisher.publish('calculation.requested', data());
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(topicArn);
    expect(JSON.parse(input?.Message ?? '')).toEqual(event);
    expect(input?.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'calculation.requested' },
      source: { DataType: 'String', StringValue: 'calculator' },
    });
  });

  it('refuses invalid data before any call, naming the field', async () => {
    await expect(
      publisher.publish('calculation.requested', { ...data(), operation: 'pow' as never }),
    ).rejects.toThrow(/data\.operation/);
    expect(sns.calls()).toHaveLength(0);
  });

  it('refuses a message over 256 KiB before any call', async () => {
    const huge = { ...data(), b: '1', a: '1' };
    await expect(
      publisher.publish('calculation.failed', {
        ...huge,
        error: { code: 'OUT_OF_RANGE', message: 'x'.repeat(300 * 1024) },
      }),
    ).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(sns.calls()).toHaveLength(0);
  });

  it('derives ids from the handled event, so a retried handler republishes the same ids', async () => {
    const handling = buildCloudEvent(currentContract('calculation.requested'), data(), 'x');
    const handle = () =>
      runInEventScope(handling, async () => [
        (await publisher.publish('calculation.completed', { ...handling.data, result: '3' })).id,
        (await publisher.publish('calculation.completed', { ...handling.data, result: '3' })).id,
      ]);
    const first = await handle();
    const retry = await handle();
    expect(retry).toEqual(first);
    expect(first[0]).not.toBe(first[1]); // two events in one run are still two events
    const unrelated = await publisher.publish('calculation.requested', data());
    expect(first).not.toContain(unrelated.id);
  });

  it('carries lineage from the event being handled', async () => {
    const handling = buildCloudEvent(currentContract('calculation.requested'), data(), 'x', {
      correlationId: 'flow-1',
    });
    const event = await runInEventScope(handling, () =>
      publisher.publish('calculation.completed', { ...handling.data, result: '3' }),
    );
    expect(event.correlationid).toBe('flow-1');
    expect(event.causationid).toBe(handling.id);
  });
});

describe('publishBatch', () => {
  it('sends at most 10 entries per call', async () => {
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({
        Id: e.Id,
        MessageId: 'm',
      })),
    }));
    const report = await publisher.publishBatch(items(25));
    expect(report.calls).toBe(3);
    expect(report.events).toHaveLength(25);
    expect(
      sns
        .commandCalls(PublishBatchCommand)
        .map((c) => c.args[0].input.PublishBatchRequestEntries?.length),
    ).toEqual([10, 10, 5]);
  });

  it('retries only the entries that failed', async () => {
    let call = 0;
    sns.on(PublishBatchCommand).callsFake((input) => {
      const entries = input.PublishBatchRequestEntries as { Id: string }[];
      call++;
      if (call === 1) {
        return {
          Successful: entries.slice(1).map((e) => ({ Id: e.Id, MessageId: 'm' })),
          Failed: [{ Id: entries[0]?.Id, Code: 'InternalError', SenderFault: false }],
        };
      }
      return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: 'm' })) };
    });
    const report = await publisher.publishBatch(items(3));
    expect(report.events).toHaveLength(3);
    const retried =
      sns.commandCalls(PublishBatchCommand)[1]?.args[0].input.PublishBatchRequestEntries;
    expect(retried).toHaveLength(1);
  });

  it('reports entries that never succeed instead of dropping them', async () => {
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Failed: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({
        Id: e.Id,
        Code: 'InvalidParameter',
        Message: 'bad',
        SenderFault: true,
      })),
    }));
    const error = await publisher.publishBatch(items(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishBatchError);
    expect((error as PublishBatchError).failures).toHaveLength(2);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1); // sender faults are not retried
  });
});
