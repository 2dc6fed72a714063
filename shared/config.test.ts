import { describe, expect, it } from 'vitest';
import * as z from '../events/zod.ts';
import { ConfigError, consumerConfigShape, loadConfig, publisherConfigShape } from './config.ts';

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

describe('the shared config shapes', () => {
  it('build their schemas when a function reads them, not when the module loads', () => {
    for (const shape of [consumerConfigShape, publisherConfigShape]) {
      for (const key of Object.keys(shape)) {
        expect(Object.getOwnPropertyDescriptor(shape, key)?.get, key).toBeTypeOf('function');
      }
    }
    // Spread with a function's own variables, as a service's config.ts does.
    const config = loadConfig(
      { ...publisherConfigShape, ZZ_TABLE: z.string() },
      {
        SERVICE_NAME: 'zz',
        EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:zz',
        ZZ_TABLE: 't',
      },
    );
    expect(config).toEqual({
      SERVICE_NAME: 'zz',
      EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:zz',
      ZZ_TABLE: 't',
    });
    expect(() => loadConfig(publisherConfigShape, { SERVICE_NAME: 'zz' })).toThrowError(
      /EVENTS_TOPIC_ARN/,
    );
  });
});
