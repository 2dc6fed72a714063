// How full the run's queues are, and waiting until the system has gone quiet.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface QueueDepth {
  /** Waiting to be received. */
  visible: number;
  /** In flight (received, not deleted) or delayed. */
  hidden: number;
}

export async function queueDepth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    hidden:
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/**
 * A wait until every one of `queues` (named for the progress line; the unnamed ones last, e.g.
 * the bus tap) is empty three checks running; it answers false, after saying so, on timeout.
 */
export function quietWaiter(options: {
  sqs: SQSClient;
  queues: Array<{ name?: string; url: string }>;
  timeoutMs: number;
  log: (line: string) => void;
}) {
  const { sqs, queues, timeoutMs, log } = options;
  return async (what: string): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    let lastProgress = Date.now();
    for (let quiet = 0; quiet < 3; ) {
      if (Date.now() > deadline) {
        log(`not quiet ${what} after ${timeoutMs / 1000} s; the verdict says what is left`);
        return false;
      }
      const counts = await Promise.all(queues.map((q) => queueDepth(sqs, q.url)));
      quiet = counts.every((c) => c.visible + c.hidden === 0) ? quiet + 1 : 0;
      if (Date.now() - lastProgress > 15_000) {
        lastProgress = Date.now();
        const named = queues.flatMap((q, i) =>
          q.name
            ? [`${q.name} ${counts[i]?.visible ?? 0} waiting/${counts[i]?.hidden ?? 0} in flight`]
            : [],
        );
        log(`waiting ${what}: ${named.join(', ')}`);
      }
      await sleep(1_000);
    }
    return true;
  };
}
