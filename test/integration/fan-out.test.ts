import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { snsClient } from '../../shared/aws/clients.ts';
import {
  createQueue,
  createTopic,
  deleteCreatedResources,
  receiveMessages,
  subscribeQueue,
} from '../support/resources.ts';

afterAll(deleteCreatedResources);

describe('SNS → SQS fan-out with filter policies', () => {
  it('delivers each message only to the queue whose filter policy matches its type', async () => {
    const topicArn = await createTopic('fanout');
    const created = await createQueue('created');
    const deleted = await createQueue('deleted');
    await subscribeQueue(topicArn, created, ['thing.created']);
    await subscribeQueue(topicArn, deleted, ['thing.deleted']);

    const publish = (type: string, body: object) =>
      snsClient().send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: JSON.stringify(body),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: type },
            source: { DataType: 'String', StringValue: 'fan-out-test' },
          },
        }),
      );
    await publish('thing.created', { id: 1, name: 'created one' });
    await publish('thing.deleted', { id: 2, name: 'deleted one' });

    const [createdMessages, deletedMessages] = await Promise.all([
      receiveMessages(created.url, { count: 1 }),
      receiveMessages(deleted.url, { count: 1 }),
    ]);

    expect(createdMessages).toHaveLength(1);
    expect(deletedMessages).toHaveLength(1);
    // Raw delivery: the body is exactly what was published, not an SNS envelope.
    expect(JSON.parse(createdMessages[0]?.Body ?? '')).toEqual({ id: 1, name: 'created one' });
    expect(JSON.parse(deletedMessages[0]?.Body ?? '')).toEqual({ id: 2, name: 'deleted one' });
    expect(createdMessages[0]?.MessageAttributes).toMatchObject({
      type: { DataType: 'String', StringValue: 'thing.created' },
      source: { DataType: 'String', StringValue: 'fan-out-test' },
    });
    expect(deletedMessages[0]?.MessageAttributes?.type?.StringValue).toBe('thing.deleted');
  });
});
