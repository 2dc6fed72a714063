// The outbox relay (shared/outbox.ts): a DynamoDB stream handler that publishes each new outbox
// item of its table to the topic, exactly as it was prepared at write time — its id, time and
// lineage included — so a consumer deduplicates a relayed copy by id like any other. At least
// once: a failed publish fails the invocation, and Lambda retries the batch (bisected, bounded:
// the `custom.tables` entry's event source mapping), so the records after it wait and each shard
// keeps its order; those already sent go again, and consumers drop them by id.
//
// Why it throws instead of answering `batchItemFailures`: on AWS both retry from the failed
// record, but an event source that ignores partial batch responses (MiniStack's stream poller
// does) would take the answer as success and move past the failure, losing the rest of the
// batch. A thrown error is retried by every implementation. Powertools' BatchProcessor is not
// used either: it would go on past a failed record and publish the records behind it first.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { snsClient } from './aws/clients.ts';
import { createLogger } from './logger.ts';
import { OUTBOX_KIND, type OutboxItem } from './outbox.ts';
import { tracingMiddleware } from './tracing.ts';

/** The publish of one outbox item: its event as written, with the attributes filters match on. */
export function outboxPublish(topicArn: string, item: OutboxItem): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Message: item.body,
    MessageAttributes: {
      type: { DataType: 'String', StringValue: item.type },
      source: { DataType: 'String', StringValue: item.source },
    },
  };
}

/** A relay failure: the event it could not publish, and why. */
export class RelayError extends Error {
  override name = 'RelayError';
}

export function createOutboxRelay({ topicArn }: { topicArn: string }) {
  const logger = createLogger();
  const relay = async (event: DynamoDBStreamEvent): Promise<void> => {
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      // The event source mapping's filter lets only new outbox items through; anything else
      // (a state item, an outbox item expiring) is not the relay's to publish.
      if (record.eventName !== 'INSERT' || image?.kind?.S !== OUTBOX_KIND) continue;
      // Every attribute the relay reads is a string (shared/outbox.ts writes them so).
      const item = Object.fromEntries(
        Object.entries(image).map(([name, value]) => [name, value.S]),
      ) as unknown as OutboxItem;
      try {
        await snsClient().send(new PublishCommand(outboxPublish(topicArn, item)));
      } catch (error) {
        logger.warn('Could not relay an outbox event: the batch is retried from it', {
          eventId: item.eventId,
          type: item.type,
          sequence: record.dynamodb?.SequenceNumber,
          error,
        });
        throw new RelayError(
          `Could not publish ${item.type} ${item.eventId}: ${(error as Error).name}`,
          { cause: error },
        );
      }
    }
  };
  return middy(relay as (event: DynamoDBStreamEvent, context: Context) => Promise<void>)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(tracingMiddleware());
}
