import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { EventOf } from '../../events/registry.ts';
import { dynamoClient, ssmClient } from '../../shared/aws/clients.ts';
import { createConsumer, type Delivery } from '../../shared/consumer.ts';
import { createLogger } from '../../shared/logger.ts';
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
  attempt: number;
}

async function notifyTarget({ target, event, attempt }: Notification) {
  const secret = await secrets.get(`${config.WEBHOOK_SECRETS_PATH}${target.name}`, {
    decrypt: true,
    maxAge: 300,
  });
  if (!secret) throw new Error(`No webhook secret for target "${target.name}"`);
  const { status } = await deliverWebhook(target, event, {
    secret,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  });
  await publisher.publish('notification.sent', {
    calculationId: event.data.calculationId,
    eventId: event.id,
    target: target.name,
    status,
    attempts: attempt,
  });
  logger.info('Webhook delivered', { target: target.name, status, attempt });
  return { status };
}

// Once per (event, target): when one of several targets fails and the record is retried, the
// targets that already got it are not called again.
const notifyTargetOnce = makeIdempotent(notifyTarget, {
  persistenceStore: new DynamoDBPersistenceLayer({
    tableName: config.IDEMPOTENCY_TABLE,
    awsSdkV3Client: dynamoClient(),
  }),
  config: new IdempotencyConfig({
    eventKeyJmesPath: '[target.name, event.id]',
    expiresAfterSeconds: config.IDEMPOTENCY_TTL_SECONDS,
  }),
  keyPrefix: 'notifier-delivery',
});

/** calculation.completed / calculation.failed → a signed webhook to every configured target. */
export const handler = createConsumer({
  name: 'notifier',
  accepts: ['calculation.completed', 'calculation.failed'],
  logger,
  handle: async (event, { attempt }: Delivery) => {
    for (const target of config.WEBHOOK_TARGETS) {
      await notifyTargetOnce({ target, event, attempt });
    }
  },
});
