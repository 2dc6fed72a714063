import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { snsClient, sqsClient } from '../../shared/aws/clients.ts';

/**
 * A wire tap on the bus: a queue of its own subscribed (raw, unfiltered) to every event of a
 * topic, so a script can watch events pass. `remove()` unsubscribes and deletes it.
 */
export async function tapEvents(topicArn: string, name: string) {
  const { QueueUrl: url } = await sqsClient().send(new CreateQueueCommand({ QueueName: name }));
  if (!url) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const { SubscriptionArn } = await snsClient().send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return {
    url,
    remove: async () => {
      await snsClient()
        .send(new UnsubscribeCommand({ SubscriptionArn }))
        .catch(() => undefined);
      await sqsClient()
        .send(new DeleteQueueCommand({ QueueUrl: url }))
        .catch(() => undefined);
    },
  };
}
