import { DeleteMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sqsClient } from '../../shared/aws/clients.ts';
import type { TestQueue } from './resources.ts';
import { receiveMessages } from './resources.ts';

/** A Lambda context good enough for handlers invoked directly by tests. */
export function lambdaContext(functionName = 'test-function', timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The SQS event the Lambda service would build from received messages. */
export function sqsEvent(messages: Message[], queue: TestQueue): SQSEvent {
  const Records: SQSRecord[] = messages.map((m) => ({
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: m.Attributes?.SenderId ?? 'test',
      ApproximateFirstReceiveTimestamp:
        m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? 'String', stringValue: value.StringValue },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: 'us-east-1',
  }));
  return { Records };
}

type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Do what Lambda's SQS poller does, once: receive up to `count` messages, invoke the handler with
 * them, delete those it did not report failed. Failed ones stay and reappear after the visibility
 * timeout, exactly as in AWS.
 */
export async function deliverOnce(
  queue: TestQueue,
  handler: BatchHandler,
  { count = 1, visibilityTimeout = 2 } = {},
) {
  const messages = await receiveMessages(queue.url, { count, visibilityTimeout, settleMs: 300 });
  const event = sqsEvent(messages, queue);
  const response = await handler(event, lambdaContext());
  await deleteHandled(sqsClient(), queue.url, messages, response);
  return { messages, response };
}

/**
 * What Lambda's event source does after an invocation: delete the messages the handler did not
 * report in `batchItemFailures` (those stay and come back after their visibility timeout).
 */
export async function deleteHandled(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  messages: Message[],
  response: SQSBatchResponse,
): Promise<void> {
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
  for (let i = 0; i < done.length; i += 10) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done
          .slice(i, i + 10)
          .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}
