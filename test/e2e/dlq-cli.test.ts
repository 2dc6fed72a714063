import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, inject, it } from 'vitest';
import { topology } from '../../events/topology.ts';
import { snsClient } from '../../shared/aws/clients.ts';
import { eventually } from '../support/poll.ts';

// `npm run dlq` against the stack deployed into the emulator, as an operator would run it, on
// the first consumer of whatever topology this fork has.
const stack = inject('stack');
const services = Object.keys(stack.deadLetterQueues);
// A consumer's: an outbox relay's DLQ holds pointers to stream records (test/integration/outbox.test.ts).
const service = services.find((s) => !stack.outboxDeadLetterQueues.includes(s)) ?? '';
const type = (topology.services[service as keyof typeof topology.services]?.consumes ?? [])[0];
const dlq = (...args: string[]) =>
  spawnSync('node_modules/.bin/tsx', ['scripts/dlq.ts', ...args, '--stage', stack.stage], {
    encoding: 'utf8',
  });

describe('npm run dlq', () => {
  it('refuses a service that has no DLQ in one sentence naming the ones that do', () => {
    const result = dlq('list', 'nosuch');
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      `"nosuch" has no dead-letter queue in stage ${stack.stage}; its services are: ${services.join(', ')}.`,
    );
  });

  it('lists a poison message under its failure code, then redrives exactly that code', async () => {
    if (!type) {
      // A fork with no consumer yet has no DLQ: the listing is empty, and says so by exiting 0.
      const empty = dlq('list');
      expect(empty.status, empty.stderr).toBe(0);
      // (An outbox relay's DLQ, if the fork has a table with one, is listed empty.)
      expect(empty.stdout.trim()).toBe(
        stack.outboxDeadLetterQueues.map((name) => `${name}: 0 messages`).join('\n'),
      );
      return;
    }
    const marker = randomUUID();
    await snsClient().send(
      new PublishCommand({
        TopicArn: stack.eventsTopicArn,
        Message: `{"not json ${marker}`,
        MessageAttributes: { type: { DataType: 'String', StringValue: type } },
      }),
    );
    const listing = await eventually(
      () => {
        const out = dlq('list', service).stdout;
        return out.includes(marker) || out.includes('MALFORMED_MESSAGE') ? out : undefined;
      },
      { what: `the poison message in the ${service} DLQ listing`, deadlineMs: 60_000 },
    );
    expect(listing).toMatch(new RegExp(`^${service}: \\d+ messages?$`, 'm'));
    expect(listing).toMatch(
      new RegExp(`MALFORMED_MESSAGE × \\d+ {2}\\(consumer ${service}, attempts 1`),
    );
    expect(listing).toContain('Message body is not JSON');
    const redriven = dlq('redrive', service, '--code', 'MALFORMED_MESSAGE');
    expect(redriven.status, redriven.stderr).toBe(0);
    // At the pace the consumer takes, read from the deployed stage.
    expect(redriven.stdout).toMatch(
      new RegExp(`^redriving at [1-9]\\d* letter\\(s\\)/s at most \\(what ${service} can take: `),
    );
    expect(redriven.stdout).toMatch(
      new RegExp(
        `^redrove [1-9]\\d* messages? from the ${service} DLQ \\(receive-send-delete\\)`,
        'm',
      ),
    );
  });
});
