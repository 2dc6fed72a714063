import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  localWebhookSecret,
  putLocalWebhookTargets,
  stackOutputs,
} from '../../scripts/local/stack.ts';
import { startWebhookReceiver } from '../../scripts/local/webhook-receiver.ts';
import { createPublisher } from '../../shared/publisher.ts';
import { eventually } from '../support/poll.ts';
import { copyRepository } from '../support/repo-copy.ts';

// The notifier delivers to each webhook target on its own (Standard Webhooks): with two
// targets, the first answering 404 (a receiver mid-deploy), the second gets the event at once,
// and the first keeps being retried. Its own emulator stage, `hooks`, with both targets.
const STAGE = 'hooks';
type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
let down: Receiver;
let up: Receiver;
let topicArn: string;

// Deployed from a copy of the checkout: serverless keeps its work in the service folder, which
// the other tiers' packaging uses at the same time.
const fork = copyRepository();

beforeAll(async () => {
  down = await startWebhookReceiver({
    secret: await localWebhookSecret(STAGE, 'down'),
    respond: () => 404,
  });
  up = await startWebhookReceiver({ secret: await localWebhookSecret(STAGE, 'up') });
  await putLocalWebhookTargets(STAGE, [
    { name: 'down', url: down.url },
    { name: 'up', url: up.url },
  ]);
  const deploy = fork.run('serverless', ['deploy', '--stage', STAGE]);
  expect(deploy.status, deploy.stdout + deploy.stderr).toBe(0);
  topicArn = (await stackOutputs(STAGE)).eventsTopicArn;
}, 300_000);

afterAll(async () => {
  await down?.close();
  await up?.close();
  fork.run('serverless', ['remove', '--stage', STAGE]);
  fork.remove();
}, 120_000);

describe('webhook targets', () => {
  it('delivers to a target at once while the one before it fails, and retries only that one', async () => {
    const publisher = createPublisher({ topicArn, source: 'e2e' });
    const calculationId = randomUUID();
    const event = await publisher.publish('calculation.completed', {
      calculationId,
      operation: 'add',
      a: '1',
      b: '2',
      result: '3',
    });
    const verified = (receiver: Receiver) =>
      receiver.deliveries.filter((d) => d.event?.id === event.id);

    const [first] = await eventually(() => (verified(up).length ? verified(up) : undefined), {
      what: 'the webhook at the target that is up',
      deadlineMs: 30_000,
    });
    expect(first?.status).toBe(200);
    // The target that is down got it first, answered 404, and is tried again (not given up on).
    await eventually(() => (verified(down).length >= 2 ? true : undefined), {
      what: 'a retry at the target answering 404',
      deadlineMs: 30_000,
    });
    expect(verified(down).every((d) => d.status === 404)).toBe(true);
    // The target that took it is not called again while the other is retried.
    expect(verified(up)).toHaveLength(1);
  });
});
