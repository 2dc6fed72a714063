import { describe, expect, it } from 'vitest';
import { ConfigError, consumerConfigShape, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('parses and defaults', () => {
    const config = loadConfig(consumerConfigShape, {
      SERVICE_NAME: 'storage',
      DEAD_LETTER_QUEUE_URL: 'http://localhost:4566/000000000000/dlq',
      IDEMPOTENCY_TABLE: 'idempotency',
    });
    expect(config.IDEMPOTENCY_TTL_SECONDS).toBe(86_400);
  });

  it('names every missing or bad variable', () => {
    expect(() =>
      loadConfig(consumerConfigShape, {
        SERVICE_NAME: 'storage',
        DEAD_LETTER_QUEUE_URL: 'not a url',
      }),
    ).toThrowError(ConfigError);
    expect(() =>
      loadConfig(consumerConfigShape, {
        DEAD_LETTER_QUEUE_URL: 'x',
        RETRY_BASE_DELAY_SECONDS: '-1',
      }),
    ).toThrowError(/SERVICE_NAME .*DEAD_LETTER_QUEUE_URL .*RETRY_BASE_DELAY_SECONDS/);
  });
});
