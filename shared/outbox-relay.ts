// The outbox relay (shared/outbox.ts): a DynamoDB stream handler that publishes each new outbox
// item of its table to the topic, exactly as it was prepared at write time — its id, time and
// lineage included — so a consumer deduplicates a relayed copy by id like any other. At least
// once: a record whose publish fails is reported, and Lambda retries the stream from it, so the
// records after it wait and each shard keeps its order (those already sent may go again).
// Powertools' BatchProcessor is not used: it would go on past a failed record and publish the
// records behind it first.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { PublishCommand } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { snsClient } from './aws/clients.ts';
import { createLogger } from './logger.ts';
import { OUTBOX_KIND } from './outbox.ts';
import { tracingMiddleware } from './tracing.ts';

export function createOutboxRelay({ topicArn }: { topicArn: string }) {
  const logger = createLogger();
  const relay = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      // The event source mapping's filter lets only new outbox items through; anything else
      // (a state item, an outbox item expiring) is not the relay's to publish.
      if (record.eventName !== 'INSERT' || image?.kind?.S !== OUTBOX_KIND) continue;
      const sequence = record.dynamodb?.SequenceNumber ?? '';
      try {
        await snsClient().send(
          new PublishCommand({
            TopicArn: topicArn,
            Message: image.body?.S,
            // The attributes the filter policies match on, as a direct publish sets them.
            MessageAttributes: {
              type: { DataType: 'String', StringValue: image.type?.S },
              source: { DataType: 'String', StringValue: image.source?.S },
            },
          }),
        );
      } catch (error) {
        logger.warn('Could not relay an outbox event: the stream is retried from it', {
          eventId: image.eventId?.S,
          type: image.type?.S,
          sequence,
          error,
        });
        return { batchItemFailures: [{ itemIdentifier: sequence }] };
      }
    }
    return { batchItemFailures: [] };
  };
  return middy(
    relay as (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>,
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(tracingMiddleware());
}
