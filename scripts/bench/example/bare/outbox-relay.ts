import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBStreamEvent } from 'aws-lambda';

// The outbox relay, bare: each new outbox item of the stream published as written, in order; a
// failed publish fails the batch.

const sns = new SNSClient({});

export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || image?.kind?.S !== 'outbox') continue;
    await sns.send(
      new PublishCommand({
        TopicArn: process.env.EVENTS_TOPIC_ARN,
        Message: image.body?.S,
        MessageAttributes: {
          type: { DataType: 'String', StringValue: image.type?.S },
          source: { DataType: 'String', StringValue: image.source?.S },
        },
      }),
    );
  }
};
