import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { EventOf } from '../../events/registry.ts';
import { idempotencyDynamoClient, ssmClient } from '../../shared/aws/clients.ts';
import { ConfigError } from '../../shared/config.ts';
import { createConsumer, type Delivery } from '../../shared/consumer.ts';
import { PermanentError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { publishCounts } from '../../shared/metrics.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { sqsRetrySchedule } from '../../shared/retry-schedule.ts';
import { notifierConfig, parseWebhookTargets, type WebhookTarget } from './config.ts';
import { deliverWebhook, WebhookUnavailableError } from './deliver-webhook.ts';

const config = notifierConfig();
const logger = createLogger(config.SERVICE_NAME);
const publisher = createPublisher({
  topicArn: config.EVENTS_TOPIC_ARN,
  source: config.SERVICE_NAME,
});
const ssm = new SSMProvider({ awsSdkV3Client: ssmClient() });

type Outcome = EventOf<'calculation.completed' | 'calculation.failed'>;

interface Notification {
  target: WebhookTarget;
  event: Outcome;
}

// The targets read last, parsed once per text (not per record), and until when a missing
// parameter is not asked for again (Powertools caches values, not misses).
let parsed: { text: string; targets: WebhookTarget[] } | undefined;
let missingUntil = 0;

/** No usable targets parameter: counted (the WebhookTargetsUnavailable alarm), logged, thrown. */
function unavailable(error: ConfigError): never {
  publishCounts(config.SERVICE_NAME, {}, { WebhookTargetsUnavailable: 1 });
  logger.error('No usable webhook targets', {
    parameter: config.WEBHOOK_TARGETS_PARAMETER,
    error: error.message,
  });
  throw error;
}

const missing = () =>
  new ConfigError(
    `SSM parameter ${config.WEBHOOK_TARGETS_PARAMETER} does not exist: put the stage's webhook targets there ([] for none)`,
  );

/**
 * The stage's webhook targets, from SSM (cached 5 minutes, like the secrets). A stage that
 * notifies nobody holds `[]`.
 */
async function targets(): Promise<WebhookTarget[]> {
  // Transient, not "no targets": an operator's slip the webhook schedule (~12 h) can outlast, then a DLQ reason.
  if (Date.now() < missingUntil) unavailable(missing());
  let text: string;
  try {
    text = (await ssm.get(config.WEBHOOK_TARGETS_PARAMETER, { maxAge: 300 })) ?? '';
  } catch (error) {
    const names = [(error as Error).name, ((error as Error).cause as Error | undefined)?.name];
    if (!names.includes('ParameterNotFound')) throw error;
    missingUntil = Date.now() + 300_000;
    unavailable(missing());
  }
  if (parsed?.text !== text) {
    try {
      parsed = {
        text,
        targets: parseWebhookTargets(text, {
          parameter: config.WEBHOOK_TARGETS_PARAMETER,
          allowHttp: config.WEBHOOK_ALLOW_HTTP,
        }),
      };
    } catch (error) {
      if (error instanceof ConfigError) unavailable(error);
      throw error;
    }
  }
  return parsed.targets;
}

/** The target's secrets: its SecureString holds the current one, then, during a rotation, the previous one. */
async function secretsOf(target: WebhookTarget): Promise<string[]> {
  const value = await ssm.get(`${config.WEBHOOK_SECRETS_PATH}${target.name}`, {
    decrypt: true,
    maxAge: 300,
  });
  const list = (value ?? '').split(/\s+/).filter(Boolean);
  if (!list.length) throw new Error(`No webhook secret for target "${target.name}"`);
  return list;
}

/** Delivered, or gone for good (410): both are kept in the delivery's idempotency record. */
type DeliveryResult = { status: number; gone?: true };

async function deliver({ target, event }: Notification): Promise<DeliveryResult> {
  // Delivery outcomes per target: accepted, gone for good (410), or to be retried.
  const count = (metric: string) =>
    publishCounts(config.SERVICE_NAME, { target: target.name }, { [metric]: 1 });
  try {
    const delivered = await deliverWebhook(target, event, {
      secrets: await secretsOf(target),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    });
    count('WebhooksDelivered');
    return delivered;
  } catch (error) {
    if (error instanceof PermanentError) {
      // Kept as the delivery's result, not thrown: a retry of the record for another target
      // does not call this one again.
      count('WebhooksGone');
      logger.error('Webhook target gone', { target: target.name, error: error.message });
      return { status: 410, gone: true };
    }
    count('WebhooksFailed');
    throw error;
  }
}

/**
 * How long a delivery's record is kept: the longest schedule SQS can run for this queue (every
 * receive as long as a Lambda may run, a receiver asking for the longest Retry-After, a queue
 * visibility of 6× Lambda's 15 min), and a day more. Gone before the last retry, the record
 * would let that retry send the webhook again. Without MAX_RECEIVE_COUNT, the configured TTL.
 */
function deliveryRecordSeconds(): number {
  if (config.MAX_RECEIVE_COUNT === undefined) return config.IDEMPOTENCY_TTL_SECONDS;
  const longest = sqsRetrySchedule(
    {
      baseDelaySeconds: config.RETRY_BASE_DELAY_SECONDS,
      maxDelaySeconds: config.RETRY_MAX_DELAY_SECONDS,
      maxReceiveCount: config.MAX_RECEIVE_COUNT,
    },
    { visibilityTimeoutSeconds: 6 * 900, handlingSeconds: 900, retryAfterSeconds: Infinity },
  );
  return Math.max(config.IDEMPOTENCY_TTL_SECONDS, longest.totalSeconds + 24 * 60 * 60);
}

// Once per (event, target): when one of several targets fails, or anything after the delivery
// fails (publishing notification.sent), and the record is retried, a target that already got the
// webhook is not called again — the stored answer is returned instead. The idempotent unit is the
// delivery alone, so a failure after it can never make it happen twice.
const deliveryIdempotency = new IdempotencyConfig({
  eventKeyJmesPath: '[target.name, event.id]',
  expiresAfterSeconds: deliveryRecordSeconds(),
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
  // Its config holds the consumer's variables too: parsed once at cold start, not twice.
  config,
  logger,
  handle: async (event, { attempt, context }: Delivery) => {
    // A delivery left in progress by a crash or a timeout expires with this invocation, so a
    // retry can deliver it, instead of waiting for the record's TTL.
    deliveryIdempotency.registerLambdaContext(context);
    // Each target on its own and at the same time: one that fails neither stops nor delays the
    // others, and a record takes one webhook timeout however many targets it has (its batch is
    // sized to that: secondsPerRecord in serverless.yml). Those delivered are not called again
    // when the record is retried for the rest (deliverOnce).
    // (A record starts only with secondsPerRecord left: the consumer's timeLeft middleware.)
    const failed: Array<{ target: string; error: Error }> = [];
    const gone: string[] = [];
    await Promise.all(
      (await targets()).map(async (target) => {
        try {
          const { status, gone: isGone } = await deliverOnce({ target, event });
          if (isGone) {
            gone.push(target.name);
            return;
          }
          // One notification.sent per target: its id comes from the target, not from how many
          // targets were notified before it in this attempt.
          await publisher.publish(
            'notification.sent',
            {
              calculationId: event.data.calculationId,
              eventId: event.id,
              target: target.name,
              status,
              attempts: attempt,
            },
            { key: target.name },
          );
          logger.info('Webhook delivered', { target: target.name, status, attempt });
        } catch (error) {
          failed.push({ target: target.name, error: error as Error });
        }
      }),
    );
    if (failed.length) {
      const hints = failed.map(({ error }) =>
        error instanceof WebhookUnavailableError ? error.retryAfterSeconds : undefined,
      );
      const known = hints.filter((h): h is number => h !== undefined);
      throw new WebhookUnavailableError(
        `Not delivered yet to ${failed.map(({ target, error }) => `"${target}" (${error.message})`).join(', ')}`,
        known.length === hints.length ? Math.max(...known) : undefined,
      );
    }
    if (gone.length) {
      throw new PermanentError(
        'WEBHOOK_GONE',
        `${gone.map((t) => `"${t}"`).join(', ')} answered 410 Gone: no more deliveries to ${gone.length > 1 ? 'them' : 'it'} for this event; remove the target or fix its URL`,
      );
    }
  },
});
