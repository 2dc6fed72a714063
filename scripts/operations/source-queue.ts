import {
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

// Which queue a dead-letter queue serves: where a redrive puts its letters back.

/** DLQ → the queue it serves; a redrive policy does not change while a process runs. */
const sources = new Map<string, string>();

/** An endpoint that does not offer an SQS action (emulators lack some) — not a failure of ours. */
export const notOffered = (error: unknown) =>
  /InvalidAction|UnsupportedOperation|UnknownOperation|NotImplemented|SyntaxError/i.test(
    (error as { name?: string }).name ?? '',
  );

/** The queue a DLQ serves: ListDeadLetterSourceQueues, or else the queue whose redrive policy names it. */
export async function sourceQueueOf(sqs: SQSClient, deadLetterQueueUrl: string): Promise<string> {
  const known = sources.get(deadLetterQueueUrl);
  if (known) return known;
  let queueUrls: string[];
  try {
    ({ queueUrls = [] } = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: deadLetterQueueUrl }),
    ));
  } catch (error) {
    if (!notOffered(error)) throw error;
    // Without ListDeadLetterSourceQueues (MiniStack has none), the queue beside it whose name is
    // the DLQ's without `-dlq` first — one call, not one per queue of the account: through a
    // flaky endpoint a scan of every queue practically never got through (the chaos run's
    // notifier DLQ was never redriven) — and only if it is not the source, the scan.
    const deadLetterArn = await queueArn(sqs, deadLetterQueueUrl);
    const beside = deadLetterQueueUrl.replace(/-dlq$/, '');
    queueUrls =
      beside !== deadLetterQueueUrl && (await redrivesTo(sqs, beside, deadLetterArn))
        ? [beside]
        : await queuesRedrivingTo(sqs, deadLetterArn);
  }
  const [source, ...others] = queueUrls;
  if (source && !others.length) sources.set(deadLetterQueueUrl, source);
  if (!source || others.length) {
    throw new Error(
      `${deadLetterQueueUrl} is the DLQ of ${queueUrls.length} queues; expected exactly one.`,
    );
  }
  return source;
}

/** Whether a queue's redrive policy names the DLQ; false for a queue that does not exist. */
async function redrivesTo(sqs: SQSClient, queueUrl: string, deadLetterArn: string) {
  try {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    const policy = Attributes?.RedrivePolicy && JSON.parse(Attributes.RedrivePolicy);
    return policy?.deadLetterTargetArn === deadLetterArn;
  } catch (error) {
    if (/NonExistentQueue|QueueDoesNotExist/.test((error as { name?: string }).name ?? ''))
      return false;
    throw error;
  }
}

async function queuesRedrivingTo(sqs: SQSClient, deadLetterArn: string): Promise<string[]> {
  const found: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ NextToken, MaxResults: 1000 }));
    for (const url of page.QueueUrls ?? [])
      if (await redrivesTo(sqs, url, deadLetterArn)) found.push(url);
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

export const queueArn = async (sqs: SQSClient, queueUrl: string): Promise<string> => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`No ARN for ${queueUrl}`);
  return Attributes.QueueArn;
};
