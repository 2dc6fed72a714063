import { ListQueuesCommand, PurgeQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sqsClient } from '../../shared/aws/clients.ts';
import { deployLocalStack, type StackOutputs, serviceName } from '../local/stack.ts';
import { sourceQueueOf } from '../operations/source-queue.ts';
import { type Consumer, type DeployedFunction, deployedFunctions } from './subjects.ts';

// The chaos run's stage: deployed with every function's AWS calls through the fault proxy, its
// queues emptied, each consumer found with its queue and DLQ.

/** A consumer as the run sees it: its queue and DLQ too. */
export interface ConsumerUnderFaults extends Consumer {
  queueUrl: string;
  dlqUrl: string;
}

export interface ChaosStage {
  stack: StackOutputs;
  functions: Record<string, DeployedFunction>;
  /** The longest function timeout, s (at least 3): a hung call outlasts it. */
  longestTimeout: number;
  sqs: SQSClient;
  consumers: ConsumerUnderFaults[];
}

export async function deployChaosStage(options: {
  stage: string;
  proxyUrl: string;
  consumed: Consumer[];
  webhookUrl?: string;
}): Promise<ChaosStage> {
  const stack = await deployLocalStack({
    quiet: true,
    stage: options.stage,
    functionsAwsEndpoint: options.proxyUrl,
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
  });
  const functions = await deployedFunctions(options.stage);
  const longestTimeout = Math.max(3, ...Object.values(functions).map((f) => f.timeout));
  const sqs = sqsClient();
  await purgeStageQueues(sqs, options.stage);
  const consumers = await withQueues(sqs, options.consumed, stack.deadLetterQueues, options.stage);
  return { stack, functions, longestTimeout, sqs, consumers };
}

/** A clean slate, DLQs included: what an earlier run left must not count in this one. */
async function purgeStageQueues(sqs: SQSClient, stage: string) {
  const { QueueUrls = [] } = await sqs.send(
    new ListQueuesCommand({ QueueNamePrefix: `${serviceName()}-${stage}-`, MaxResults: 1000 }),
  );
  for (const QueueUrl of QueueUrls) await sqs.send(new PurgeQueueCommand({ QueueUrl }));
}

/** Each consumer with its DLQ (a stack output) and the queue that DLQ serves. */
async function withQueues(
  sqs: SQSClient,
  consumers: Consumer[],
  deadLetterQueues: Record<string, string>,
  stage: string,
): Promise<ConsumerUnderFaults[]> {
  const found: ConsumerUnderFaults[] = [];
  for (const c of consumers) {
    const dlqUrl = deadLetterQueues[c.name];
    if (!dlqUrl) throw new Error(`Stage ${stage} has no DLQ output for consumer ${c.name}`);
    found.push({ ...c, dlqUrl, queueUrl: await sourceQueueOf(sqs, dlqUrl) });
  }
  return found;
}
