import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentContract, type EventType, eventTypes } from '../../events/registry.ts';
import { stackName } from '../../scripts/local/stack.ts';
import { createService } from '../../scripts/new-service.ts';
import { consumerIds } from '../../scripts/serverless/consumer-resources.ts';
import { sqsClient } from '../../shared/aws/clients.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { eventually } from '../support/poll.ts';
import { probeServiceName } from '../support/probe-names.ts';
import { copyRepository } from '../support/repo-copy.ts';

// The fork path end to end: `new:service` in a copy of the repository, a business rule written
// as a user would, `serverless deploy` of that copy as its own stage, then an example event of
// every registered type published to its topic. The generated consumer must receive its type, and
// only that. Its name is one no fork uses; the types come from the registry.
const fork = copyRepository();
const stage = `fork${randomUUID().slice(0, 6)}`;
const name = probeServiceName();
const [consumed, ...others] = eventTypes() as EventType[];
let outputs: Record<string, string>;

beforeAll(async () => {
  if (!consumed) throw new Error('events/registry.ts registers no event type');
  createService(fork.dir, { name, consumes: [consumed], publishes: [] });
  // The rule: refuse every event, so each one it receives lands in its DLQ with a reason we can read.
  writeFileSync(
    path.join(fork.dir, `services/${name}/handle.ts`),
    `import type { EventOf } from '../../events/registry.ts';
import { PermanentError } from '../../shared/errors.ts';

export async function handle(event: EventOf<'${consumed}'>): Promise<void> {
  throw new PermanentError('PROBE_SAW', \`probe saw \${event.type}\`);
}
`,
  );
  const deploy = fork.run('serverless', ['deploy', '--stage', stage]);
  expect(deploy.status, deploy.stdout + deploy.stderr).toBe(0);
  const { Stacks } = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName(stage) }),
  );
  outputs = Object.fromEntries(
    (Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
}, 300_000);

afterAll(() => {
  fork.run('serverless', ['remove', '--stage', stage]);
  fork.remove();
}, 120_000);

describe('a consumer made by npm run new:service', () => {
  it('is deployed with its queue and DLQ, and receives its event type and only that', async () => {
    const deadLetterQueue = outputs[consumerIds(name).output] as string;
    expect(deadLetterQueue).toBeTruthy();
    const publisher = createPublisher({
      topicArn: outputs.EventsTopicArn as string,
      source: 'e2e',
    });
    // Types it does not consume first, then the one it does: each its contract's first example.
    const example = (type: EventType) => currentContract(type).examples[0] as never;
    for (const type of others) await publisher.publish(type, example(type));
    const received = await publisher.publish(consumed as EventType, example(consumed as EventType));

    const messages = await eventually(
      async () => {
        const { Messages = [] } = await sqsClient().send(
          new ReceiveMessageCommand({
            QueueUrl: deadLetterQueue,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
            MessageAttributeNames: ['All'],
          }),
        );
        return Messages.length ? Messages : undefined;
      },
      { deadlineMs: 60_000, what: `the ${name} consumer to dead-letter what it received` },
    );
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]?.Body ?? '{}')).toMatchObject({
      id: received.id,
      type: consumed,
    });
    expect(messages[0]?.MessageAttributes?.['failure.code']?.StringValue).toBe('PROBE_SAW');
    expect(messages[0]?.MessageAttributes?.['failure.consumer']?.StringValue).toBe(name);

    // Nothing else is waiting in its queue: the other types never reached it.
    // The one it received may still be in flight (its letter is sent before the poller deletes
    // it), so wait for the queue to drain; anything else would stay.
    const queueUrl = deadLetterQueue.replace(/-dlq$/, '');
    const counts = async () => {
      const { Attributes = {} } = await sqsClient().send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return Attributes;
    };
    const drained = await eventually(
      async () => {
        const attributes = await counts();
        const empty =
          attributes.ApproximateNumberOfMessages === '0' &&
          attributes.ApproximateNumberOfMessagesNotVisible === '0';
        return empty ? attributes : undefined;
      },
      { deadlineMs: 30_000, what: `the ${name} consumer's queue to be empty` },
    );
    expect(drained).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    // And its DLQ holds the one letter: a type it does not consume would have been refused too.
    const { Attributes: letters } = await sqsClient().send(
      new GetQueueAttributesCommand({
        QueueUrl: deadLetterQueue,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(
      Number(letters?.ApproximateNumberOfMessages) +
        Number(letters?.ApproximateNumberOfMessagesNotVisible),
    ).toBe(1);
  });
});
