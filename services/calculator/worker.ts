import { createConsumer } from '../../shared/consumer.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { calculate } from './arithmetic.ts';
import { calculatorConfig } from './config.ts';

const { EVENTS_TOPIC_ARN, SERVICE_NAME } = calculatorConfig();
const publisher = createPublisher({ topicArn: EVENTS_TOPIC_ARN, source: SERVICE_NAME });

/** calculation.requested → calculation.completed, or calculation.failed for a domain failure. */
export const handler = createConsumer({
  name: 'calculator',
  accepts: ['calculation.requested'],
  handle: async ({ data }) => {
    const outcome = calculate(data.operation, data.a, data.b);
    if (outcome.ok) {
      await publisher.publish('calculation.completed', { ...data, result: outcome.result });
    } else {
      await publisher.publish('calculation.failed', { ...data, error: outcome.error });
    }
  },
});
