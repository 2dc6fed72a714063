import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.ts';
import { createConsumer } from './consumer.ts';
import { idempotencyTable } from './idempotency-table.ts';

const config = {
  SERVICE_NAME: 'orders',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/orders-dlq',
  IDEMPOTENCY_TTL_SECONDS: 3600,
  RETRY_BASE_DELAY_SECONDS: 1,
  RETRY_MAX_DELAY_SECONDS: 60,
};

describe('createConsumer', () => {
  it('refuses to start without IDEMPOTENCY_TABLE when it keeps idempotency records', () => {
    const create = () =>
      createConsumer({
        name: 'orders',
        accepts: ['calculation.requested'],
        idempotency: idempotencyTable,
        config,
        handle: () => {},
      });
    expect(create).toThrowError(ConfigError);
    expect(create).toThrowError(/IDEMPOTENCY_TABLE .*"orders"/);
  });

  it('needs no table when the handler declares its own effects idempotent', () => {
    const handler = createConsumer({
      name: 'orders',
      accepts: ['calculation.requested'],
      idempotency: 'handler',
      config,
      handle: () => {},
    });
    expect(handler.consumer).toEqual({
      name: 'orders',
      accepts: ['calculation.requested'],
      idempotency: 'handler',
      concurrent: true,
    });
  });
});
