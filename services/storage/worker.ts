import { createConsumer } from '../../shared/consumer.ts';
import { createLogger } from '../../shared/logger.ts';
import { createCalculationStore } from './calculation-store.ts';
import { storageConfig } from './config.ts';

const config = storageConfig();
const logger = createLogger(config.SERVICE_NAME);
const store = createCalculationStore(config.CALCULATIONS_TABLE);

/**
 * A calculation's outcome → its record, whatever order the events arrive in. The record itself
 * is written by the request that created it (api.ts), with its calculation.requested.
 */
export const handler = createConsumer({
  name: 'storage',
  accepts: ['calculation.completed', 'calculation.failed'],
  // Every write is conditional on the record's state (calculation-store.ts): applying an event
  // twice changes nothing the second time.
  idempotency: 'handler',
  config,
  logger,
  handle: async (event) => {
    const changed = await store.apply(event);
    if (!changed)
      logger.info('Record already final; event ignored', {
        calculationId: event.data.calculationId,
      });
  },
});
