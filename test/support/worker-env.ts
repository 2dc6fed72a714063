import { vi } from 'vitest';

/** Stand-in values for every variable the example workers parse at import (no AWS is called). */
export const WORKER_ENV = {
  SERVICE_NAME: 'test',
  EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:events',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
  IDEMPOTENCY_TABLE: 'idempotency',
  CALCULATIONS_TABLE: 'calculations',
  WEBHOOK_TARGETS_PARAMETER: '/test/webhook-targets',
  WEBHOOK_SECRETS_PATH: '/test/webhooks/',
};

export function stubWorkerEnv(): void {
  for (const [name, value] of Object.entries(WORKER_ENV)) vi.stubEnv(name, value);
}
