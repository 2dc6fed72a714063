import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { EventOf } from '../../events/registry.ts';
import { idempotencyDynamoClient, ssmClient } from '../../shared/aws/clients.ts';
import { createConsumer, type Delivery } from '../../shared/consumer.ts';
import { PermanentError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { publishCounts } from '../../shared/metrics.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { notifierConfig, type WebhookTarget } from './config.ts';
import { deliverWebhook } from './deliver-webhook.ts';

const config = notifierConfig();
const logger = createLogger(config.SERVICE_NAME);
const publisher = createPublisher({
  topicArn: config.EVENTS_TOPIC_ARN,
  source: config.SERVICE_NAME,
});
const secrets = new SSMProvider({ awsSdkV3Client: ssmClient() });

type Outcome = EventOf<'calculation.completed' | 'calculation.failed'>;

interface Notification {
  target: WebhookTarget;
  event: Outcome;
}

async function deliver({ target, event }: Notification) {
  const secret = await secrets.get(`${config.WEBHOOK_SECRETS_PATH}${target.name}`, {
    decrypt: true,
    maxAge: 300,
  });
  if (!secret) throw new Error(`No webhook secret for target "${target.name}"`);
  // Delivery outcomes per target: accepted, refused for good (4xx), or to be retried.
  const count = (metric: string) =>
    publishCounts(config.SERVICE_NAME, { target: target.name }, { [metric]: 1 });
  try {
    const delivered = await deliverWebhook(target, event, {
      secret,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    });
    count('WebhooksDelivered');
    return delivered;
  } catch (error) {
    count(error instanceof PermanentError ? 'WebhooksRejected' : 'WebhooksFailed');
    throw error;
  }
}

// Once per (event, target): when one of several targets fails, or anything after the delivery
// fails (publishing notification.sent), and the record is retried, a target that already got the
// webhook is not called again — the stored answer is returned instead. The idempotent unit is the
// delivery alone, so a failure after it can never make it happen twice.
const deliveryIdempotency = new IdempotencyConfig({
  eventKeyJmesPath: '[target.name, event.id]',
  expiresAfterSeconds: config.IDEMPOTENCY_TTL_SECONDS,
});
const deliverOnce = makeIdempotent(deliver, {
  persistenceStore: new DynamoDBPersistenceLayer({
    tableName: config.IDEMPOTENCY_TABLE,
    awsSdkV3Client: idempotencyDynamoClient(),
  }),
  config: deliveryIdempotency,
  keyPrefix: 'notifier-delivery',
});

/** calculation.completed / calculation.failed → a signed webhook to every configured target. */
export const handler = createConsumer({
  name: 'notifier',
  accepts: ['calculation.completed', 'calculation.failed'],
  // Its one effect that must not repeat, the webhook, is idempotent on its own (deliverOnce);
  // notification.sent gets an id derived from the handled event, so a repeat is deduplicated.
  idempotency: 'handler',
  // One record at a time: a crash or timeout of the invocation while a delivery sits between the
  // receiver's answer and its record would send that webhook again (the window every webhook
  // sender has). Handled concurrently, any batch-mate's crash would open it; one at a time, only
  // the record's own. Webhook latency, not this, bounds the notifier anyway.
  concurrent: false,
  logger,
  handle: async (event, { attempt, context }: Delivery) => {
    // A delivery left in progress by a crash or a timeout expires with this invocation, so a
    // retry can deliver it, instead of waiting for the record's TTL.
    deliveryIdempotency.registerLambdaContext(context);
    for (const target of config.WEBHOOK_TARGETS) {
      const { status } = await deliverOnce({ target, event });
      await publisher.publish('notification.sent', {
        calculationId: event.data.calculationId,
        eventId: event.id,
        target: target.name,
        status,
        attempts: attempt,
      });
      logger.info('Webhook delivered', { target: target.name, status, attempt });
    }
  },
});
