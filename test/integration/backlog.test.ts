// A backlog larger than one invocation's time, faults off: every record ends handled, on its
// first receive, none dead-lettered — because a consumer handling records one after another gets
// the batch that fits its timeout (batchSizeFor, from secondsPerRecord). The same backlog in
// unsized batches spends receives on records the invocation never tried. Time is counted, not
// slept: each record uses its secondsPerRecord of the invocation's clock, so the run is exact.
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract, type EventType, eventTypes } from '../../events/registry.ts';
import { countMessages } from '../../scripts/operations/dead-letters.ts';
import { batchSizeFor } from '../../scripts/serverless/consumer-resources.ts';
import { sqsClient } from '../../shared/aws/clients.ts';
import { createConsumer } from '../../shared/consumer.ts';
import { deleteHandled, lambdaContext, sqsEvent } from '../support/lambda.ts';
import { createQueueWithDlq, deleteCreatedResources } from '../support/resources.ts';

afterAll(deleteCreatedResources);

const TIMEOUT_SECONDS = 3;
const SECONDS_PER_RECORD = 0.5;
const BACKLOG = 20; // 10 s of records: more than three invocations' time
const type = eventTypes().find((t) => currentContract(t).examples.length) as EventType;

async function drain(batchSize: number) {
  const { queue, dlq } = await createQueueWithDlq('backlog', {
    maxReceiveCount: 3,
    visibilityTimeout: 1,
  });
  const contract = currentContract(type);
  const ids: string[] = [];
  for (let i = 0; i < BACKLOG; i += 10) {
    const entries = Array.from({ length: Math.min(10, BACKLOG - i) }, (_, n) => {
      const event = buildCloudEvent(contract, contract.examples[0] as never, 'backlog-test');
      ids.push(event.id);
      return {
        Id: String(n),
        MessageBody: JSON.stringify(event),
        MessageAttributes: { type: { DataType: 'String', StringValue: type } },
      };
    });
    await sqsClient().send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }));
  }
  let used = 0; // ms of the current invocation's time
  const handledOnReceive = new Map<string, number>();
  const handler = createConsumer({
    name: 'backlog',
    accepts: [type],
    idempotency: 'handler',
    concurrent: false,
    config: {
      SERVICE_NAME: 'backlog',
      DEAD_LETTER_QUEUE_URL: dlq.url,
      IDEMPOTENCY_TTL_SECONDS: 3600,
      RETRY_BASE_DELAY_SECONDS: 0,
      RETRY_MAX_DELAY_SECONDS: 0,
      MAX_RECEIVE_COUNT: 3,
      SECONDS_PER_RECORD,
    },
    handle: (event, { attempt }) => {
      handledOnReceive.set(event.id, attempt);
      used += SECONDS_PER_RECORD * 1000;
    },
  });
  // What Lambda's poller does: batches of `batchSize`, each invocation with its own timeout.
  const deadline = Date.now() + 60_000;
  while (handledOnReceive.size < BACKLOG && Date.now() < deadline) {
    const { Messages: batch = [] } = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (!batch.length) continue;
    used = 0;
    const context: Context = {
      ...lambdaContext('backlog', TIMEOUT_SECONDS * 1000),
      getRemainingTimeInMillis: () => TIMEOUT_SECONDS * 1000 - used,
    };
    const response = (await handler(
      sqsEvent(batch, queue) as SQSEvent,
      context,
    )) as SQSBatchResponse;
    await deleteHandled(sqsClient(), queue.url, batch, response);
  }
  return { ids, handledOnReceive, deadLettered: await countMessages(sqsClient(), dlq.url) };
}

describe('a backlog larger than one invocation, handled one record after another', () => {
  it('ends handled, each record on its first receive, when batches fit the timeout', async () => {
    const size = batchSizeFor(TIMEOUT_SECONDS, SECONDS_PER_RECORD);
    expect(size).toBeLessThan(10); // the sizing is what this test is about
    const { ids, handledOnReceive, deadLettered } = await drain(size);
    expect([...handledOnReceive.keys()].sort()).toEqual([...ids].sort());
    expect(new Set(handledOnReceive.values())).toEqual(new Set([1]));
    expect(deadLettered).toBe(0);
  });

  it('spends receives on records never tried when batches do not fit (what the sizing prevents)', async () => {
    const { handledOnReceive } = await drain(10);
    expect([...handledOnReceive.values()].some((receive) => receive > 1)).toBe(true);
  });
});
