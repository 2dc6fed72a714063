import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackName } from '../../scripts/local/stack.ts';
import { createService } from '../../scripts/new-service.ts';
import { sqsClient } from '../../shared/aws/clients.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { eventually } from '../support/poll.ts';
import { copyRepository } from '../support/repo-copy.ts';

// The fork path end to end: `new:service` in a copy of the repository, a business rule written
// as a user would, `serverless deploy` of that copy as its own stage, then events of several types
// published to its topic. The generated consumer must receive its type, and only that.
const fork = copyRepository();
const stage = `fork${randomUUID().slice(0, 6)}`;
let outputs: Record<string, string>;

beforeAll(async () => {
  createService(fork.dir, { name: 'audit', consumes: ['calculation.failed'], publishes: [] });
  // The rule: refuse every event, so each one it receives lands in its DLQ with a reason we can read.
  writeFileSync(
    path.join(fork.dir, 'services/audit/handle.ts'),
    `import type { EventOf } from '../../events/registry.ts';
import { PermanentError } from '../../shared/errors.ts';

export async function handle(event: EventOf<'calculation.failed'>): Promise<void> {
  throw new PermanentError('AUDIT_SAW', \`audit saw \${event.type}\`);
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
    const deadLetterQueue = outputs.AuditDeadLetterQueueUrl as string;
    expect(deadLetterQueue).toBeTruthy();
    const publisher = createPublisher({
      topicArn: outputs.EventsTopicArn as string,
      source: 'e2e',
    });
    const calculation = {
      calculationId: randomUUID(),
      operation: 'divide' as const,
      a: '1',
      b: '0',
    };
    // Types it does not consume first, then the one it does.
    await publisher.publish('calculation.completed', { ...calculation, result: '1' });
    await publisher.publish('notification.sent', {
      calculationId: calculation.calculationId,
      eventId: randomUUID(),
      target: 'default',
      status: 200,
      attempts: 1,
    });
    const failed = await publisher.publish('calculation.failed', {
      ...calculation,
      error: { code: 'DIVISION_BY_ZERO', message: 'Division by zero' },
    });

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
      { deadlineMs: 60_000, what: 'the audit consumer to dead-letter what it received' },
    );
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]?.Body ?? '{}')).toMatchObject({
      id: failed.id,
      type: 'calculation.failed',
    });
    expect(messages[0]?.MessageAttributes?.['failure.code']?.StringValue).toBe('AUDIT_SAW');
    expect(messages[0]?.MessageAttributes?.['failure.consumer']?.StringValue).toBe('audit');

    // Nothing else is waiting in its queue: the other two types never reached it.
    const queueUrl = deadLetterQueue.replace(/-dlq$/, '');
    const { Attributes } = await sqsClient().send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });
});
