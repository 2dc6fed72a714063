import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stubWorkerEnv } from '../test/support/worker-env.ts';
import { topology } from './topology.ts';

// Each service's consumer must accept exactly what topology.json says it consumes: the same
// list builds the queue's filter policy in serverless.yml and the AsyncAPI channels.
beforeAll(stubWorkerEnv);
afterAll(() => vi.unstubAllEnvs());

describe('events/topology.json', () => {
  // A service that consumes nothing (an HTTP service) has no worker.
  it.each(Object.entries(topology.services).filter(([, s]) => s.consumes.length > 0))(
    'matches what the %s worker accepts',
    async (service, { consumes }) => {
      const { handler } = await import(`../services/${service}/worker.ts`);
      expect([...handler.consumer.accepts].sort()).toEqual([...consumes].sort());
      expect(handler.consumer.name).toBe(service);
    },
  );
});
