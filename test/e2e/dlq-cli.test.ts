import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, inject, it } from 'vitest';
import { snsClient } from '../../shared/aws/clients.ts';
import { eventually } from '../support/poll.ts';

// `npm run dlq` against the stack deployed into the emulator, as an operator would run it.
const stack = inject('stack');
const dlq = (...args: string[]) =>
  spawnSync('node_modules/.bin/tsx', ['scripts/dlq.ts', ...args], { encoding: 'utf8' });

describe('npm run dlq', () => {
  it('refuses a service that has no DLQ in one sentence naming the ones that do', () => {
    const result = dlq('list', 'nosuch');
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      `"nosuch" has no dead-letter queue in stage local; its services are: ${Object.keys(stack.deadLetterQueues).join(', ')}.`,
    );
  });

  it('lists a poison message under its failure code, then redrives exactly that code', async () => {
    const marker = randomUUID();
    await snsClient().send(
      new PublishCommand({
        TopicArn: stack.eventsTopicArn,
        Message: `{"not json ${marker}`,
        MessageAttributes: { type: { DataType: 'String', StringValue: 'calculation.requested' } },
      }),
    );
    const listing = await eventually(
      () => {
        const out = dlq('list', 'calculator').stdout;
        return out.includes(marker) || out.includes('MALFORMED_MESSAGE') ? out : undefined;
      },
      { what: 'the poison message in the calculator DLQ listing', deadlineMs: 60_000 },
    );
    expect(listing).toMatch(/^calculator: \d+ messages?$/m);
    expect(listing).toMatch(/MALFORMED_MESSAGE × \d+ {2}\(consumer calculator, attempts 1/);
    expect(listing).toContain('Message body is not JSON');
    const redriven = dlq('redrive', 'calculator', '--code', 'MALFORMED_MESSAGE');
    expect(redriven.status, redriven.stderr).toBe(0);
    expect(redriven.stdout).toMatch(
      /^redrove [1-9]\d* messages? from the calculator DLQ \(receive-send-delete\)/,
    );
  });
});
