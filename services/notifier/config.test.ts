import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.ts';
import { notifierConfig } from './config.ts';

const env = (targets: object[], extra: Record<string, string> = {}) => ({
  SERVICE_NAME: 'notifier',
  EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:events',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/notifier-dlq',
  IDEMPOTENCY_TABLE: 'idempotency',
  WEBHOOK_SECRETS_PATH: '/shop/dev/webhooks/',
  WEBHOOK_TARGETS: JSON.stringify(targets),
  ...extra,
});

describe('notifierConfig', () => {
  it('takes https targets', () => {
    const config = notifierConfig(env([{ name: 'crm', url: 'https://crm.example.com/hooks' }]));
    expect(config.WEBHOOK_TARGETS).toEqual([{ name: 'crm', url: 'https://crm.example.com/hooks' }]);
  });

  it('refuses a URL with credentials in one sentence that does not repeat them', () => {
    const load = () =>
      notifierConfig(env([{ name: 'crm', url: 'https://admin:hunter2@crm.example.com/hooks' }]));
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/WEBHOOK_TARGETS\.0\.url \(its URL carries credentials/);
    expect(load).not.toThrow(/hunter2/);
  });

  it('refuses plain http outside the emulator stages', () => {
    const targets = [{ name: 'local', url: 'http://127.0.0.1:4599/webhooks' }];
    expect(() => notifierConfig(env(targets))).toThrow(/"local" not https/);
    expect(notifierConfig(env(targets, { WEBHOOK_ALLOW_HTTP: 'true' })).WEBHOOK_TARGETS).toEqual(
      targets,
    );
  });
});
