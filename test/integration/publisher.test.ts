import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createPublisher } from '../../shared/publisher.ts';
import {
  createQueue,
  createTopic,
  deleteCreatedResources,
  receiveMessages,
  subscribeQueue,
} from '../support/resources.ts';

afterAll(deleteCreatedResources);

describe('publisher against the emulator', () => {
  it('publishes 25 events in 3 PublishBatch calls and all 25 arrive', async () => {
    const topicArn = await createTopic('batch');
    const queue = await createQueue('batch');
    await subscribeQueue(topicArn, queue, ['calculation.requested']);
    const publisher = createPublisher({ topicArn, source: 'test' });
    const items = Array.from({ length: 25 }, (_, i) => ({
      type: 'calculation.requested' as const,
      data: { calculationId: randomUUID(), operation: 'multiply' as const, a: String(i), b: '2' },
    }));

    const report = await publisher.publishBatch(items);

    expect(report.calls).toBe(3);
    expect(report.events).toHaveLength(25);
    const messages = await receiveMessages(queue.url, { count: 25, deadlineMs: 20_000 });
    const arrived = messages.map((m) => JSON.parse(m.Body ?? '{}').data.calculationId).sort();
    expect(arrived).toEqual(items.map((i) => i.data.calculationId).sort());
    expect(messages[0]?.MessageAttributes?.type?.StringValue).toBe('calculation.requested');
  });

  it('refuses invalid data before anything is sent, naming the field', async () => {
    const publisher = createPublisher({ topicArn: await createTopic('invalid'), source: 'test' });
    await expect(
      publisher.publish('calculation.requested', {
        calculationId: randomUUID(),
        operation: 'add',
        a: 'twelve',
        b: '1',
      }),
    ).rejects.toThrow(/data\.a: "twelve" is not a decimal number/);
  });
});
