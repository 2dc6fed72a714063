import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, DeleteTopicCommand, PublishBatchCommand } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { snsClient, sqsClient } from '../../../shared/aws/clients.ts';
import { tapEvents } from '../../local/event-tap.ts';

// The emulator's own bus, measured beside the system (end-to-end.ts): how fast a message goes
// from an SNS publish to an SQS receive with nothing in between.

export async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** Messages/s from SNS publish to SQS receive through a raw subscription of a fresh topic. */
export async function rawBusRate(messages: number, concurrency: number): Promise<number> {
  const { TopicArn } = await snsClient().send(
    new CreateTopicCommand({ Name: `bench-raw-${randomUUID().slice(0, 8)}` }),
  );
  const tap = await tapEvents(TopicArn as string, `bench-raw-${randomUUID().slice(0, 8)}`);
  try {
    const start = performance.now();
    let received = 0;
    const receiving = (async () => {
      while (received < messages) {
        const { Messages = [] } = await sqsClient().send(
          new ReceiveMessageCommand({
            QueueUrl: tap.url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        received += Messages.length;
        if (Messages.length)
          await sqsClient().send(
            new DeleteMessageBatchCommand({
              QueueUrl: tap.url,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        if (performance.now() - start > 300_000) throw new Error('The raw bus run took over 5 min');
      }
    })();
    await pool(Math.ceil(messages / 10), concurrency, async (batch) => {
      await snsClient().send(
        new PublishBatchCommand({
          TopicArn,
          PublishBatchRequestEntries: Array.from(
            { length: Math.min(10, messages - batch * 10) },
            (_, i) => ({
              Id: String(i),
              Message: JSON.stringify({ batch, i, pad: 'x'.repeat(400) }),
            }),
          ),
        }),
      );
    });
    await receiving;
    return (messages * 1000) / (performance.now() - start);
  } finally {
    await tap.remove();
    await snsClient().send(new DeleteTopicCommand({ TopicArn }));
  }
}
