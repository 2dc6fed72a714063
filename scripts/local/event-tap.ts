import {
  ListSubscriptionsByTopicCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
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

/**
 * Remove the taps on `topicArn` whose queue names start with `prefix`, left by a run that was
 * killed before it could clean up: a forgotten tap keeps receiving every event of the topic.
 */
export async function removeStaleTaps(topicArn: string, prefix: string): Promise<number> {
  const { QueueUrls = [] } = await sqsClient().send(
    new ListQueuesCommand({ QueueNamePrefix: prefix }),
  );
  if (!QueueUrls.length) return 0;
  const names = new Set(QueueUrls.map((url) => url.split('/').pop()));
  let NextToken: string | undefined;
  do {
    const page = await snsClient().send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }),
    );
    for (const s of page.Subscriptions ?? [])
      if (names.has(s.Endpoint?.split(':').pop()))
        await snsClient().send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));
    NextToken = page.NextToken;
  } while (NextToken);
  for (const QueueUrl of QueueUrls) await sqsClient().send(new DeleteQueueCommand({ QueueUrl }));
  return QueueUrls.length;
}
