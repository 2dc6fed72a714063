import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { topology } from './topology.ts';

// Each service's consumer must accept exactly what topology.json says it consumes: the same
// list builds the queue's filter policy in serverless.yml and the AsyncAPI channels.
beforeAll(() => {
  const env = {
    SERVICE_NAME: 'test',
    EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:events',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
    IDEMPOTENCY_TABLE: 'idempotency',
    CALCULATIONS_TABLE: 'calculations',
    WEBHOOK_TARGETS: '[]',
    WEBHOOK_SECRETS_PATH: '/test/webhooks/',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
});
afterAll(() => vi.unstubAllEnvs());

describe('events/topology.json', () => {
  it.each(Object.entries(topology.services))(
    'matches what the %s worker accepts',
    async (service, { consumes }) => {
      const { handler } = await import(`../services/${service}/worker.ts`);
      expect([...handler.consumer.accepts].sort()).toEqual([...consumes].sort());
      expect(handler.consumer.name).toBe(service);
    },
  );
});
