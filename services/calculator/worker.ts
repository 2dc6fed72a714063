import { createConsumer } from '../../shared/consumer.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { calculate } from './arithmetic.ts';
import { calculatorConfig } from './config.ts';

const config = calculatorConfig();
const publisher = createPublisher({
  topicArn: config.EVENTS_TOPIC_ARN,
  source: config.SERVICE_NAME,
});

/** calculation.requested → calculation.completed, or calculation.failed for a domain failure. */
export const handler = createConsumer({
  name: 'calculator',
  accepts: ['calculation.requested'],
  // A pure function of the request, published under an id derived from the request's event id:
  // handling a duplicate republishes the same event, which every consumer deduplicates.
  idempotency: 'handler',
  config,
  handle: async ({ data }) => {
    const outcome = calculate(data.operation, data.a, data.b);
    if (outcome.ok) {
      await publisher.publish('calculation.completed', { ...data, result: outcome.result });
    } else {
      await publisher.publish('calculation.failed', { ...data, error: outcome.error });
    }
  },
});
