import { randomUUID } from 'node:crypto';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../events/cloud-event.ts';
import { currentContract } from '../events/registry.ts';
import { PermanentError } from './errors.ts';
import { runInEventScope } from './event-scope.ts';
import { createPublisher, PublishBatchError } from './publisher.ts';

const sns = mockClient(SNSClient);
const topicArn = 'arn:aws:sns:us-east-1:000000000000:events';
const publisher = createPublisher({
  topicArn,
  source: 'calculator',
  sns: new SNSClient({}),
  baseDelayMs: 1,
});
const data = () => ({ calculationId: randomUUID(), operation: 'add' as const, a: '1', b: '2' });
const items = (n: number) =>
  Array.from({ length: n }, () => ({ type: 'calculation.requested' as const, data: data() }));
const requested = () => buildCloudEvent(currentContract('calculation.requested'), data(), 'x');
const completed = (handling: ReturnType<typeof requested>) =>
  publisher.publish('calculation.completed', { ...handling.data, result: '3' });
/** A notification.sent about `target`, published with it as key (none when undefined). */
const sent = (target?: string, attempts = 1) =>
  publisher.publish(
    'notification.sent',
    { calculationId: randomUUID(), eventId: 'e', target: target ?? 'only', status: 200, attempts },
    target === undefined ? {} : { key: target },
  );

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

describe('publish', () => {
  it('sends a CloudEvent with the type and source attributes filter policies match on', async () => {
    const event = await publisher.publish('calculation.requested', data());
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(topicArn);
    expect(JSON.parse(input?.Message ?? '')).toEqual(event);
    expect(input?.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'calculation.requested' },
      source: { DataType: 'String', StringValue: 'calculator' },
    });
  });

  it('refuses invalid data before any call, naming the field', async () => {
    await expect(
      publisher.publish('calculation.requested', { ...data(), operation: 'pow' as never }),
    ).rejects.toThrow(/data\.operation/);
    expect(sns.calls()).toHaveLength(0);
  });

  it('refuses a message over 256 KiB before any call', async () => {
    const huge = { ...data(), b: '1', a: '1' };
    await expect(
      publisher.publish('calculation.failed', {
        ...huge,
        error: { code: 'OUT_OF_RANGE', message: 'x'.repeat(300 * 1024) },
      }),
    ).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(sns.calls()).toHaveLength(0);
  });

  it('derives ids from the handled event and each key, whatever order a retry publishes in', async () => {
    const handling = requested();
    const handle = (keys: string[]) =>
      runInEventScope(handling, async () => {
        const ids: Record<string, string> = {};
        for (const key of keys) ids[key] = (await sent(key)).id;
        return ids;
      });
    const first = await handle(['a', 'b']);
    const retry = await handle(['b', 'a']);
    expect(retry).toEqual(first);
    expect(first.a).not.toBe(first.b); // two events in one run are still two events
    const unrelated = await publisher.publish('calculation.requested', data());
    expect(Object.values(first)).not.toContain(unrelated.id);
  });

  it('gives a type published once per handled event the same id with or without a retry, keyless', async () => {
    const handling = requested();
    const handle = () => runInEventScope(handling, () => completed(handling));
    expect((await handle()).id).toBe((await handle()).id);
  });

  it.each([
    ['twice without a key', [undefined, undefined]],
    ['twice with one key', ['a', 'a']],
    ['with a key after none', [undefined, 'a']],
    ['without a key after one', ['a', undefined]],
  ])(
    'refuses a type published %s in one handled event, and sends only the first',
    async (_, keys) => {
      const handling = requested();
      const error = await runInEventScope(handling, async () => {
        await sent(keys[0]);
        return sent(keys[1]).catch((e: unknown) => e);
      });
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toMatch(/notification\.sent .*pass a key/);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    },
  );

  it('gives back the id of an event SNS did not take, so publishing it again gets that id', async () => {
    const handling = requested();
    sns.on(PublishCommand).rejectsOnce(new Error('throttled')).resolves({ MessageId: 'm' });
    const retried = await runInEventScope(handling, async () => {
      await expect(sent('a')).rejects.toThrow('throttled');
      return sent('a');
    });
    const attempted = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '');
    expect(retried.id).toBe(attempted.id);
  });

  it('carries lineage from the event being handled', async () => {
    const handling = buildCloudEvent(currentContract('calculation.requested'), data(), 'x', {
      correlationId: 'flow-1',
    });
    const event = await runInEventScope(handling, () =>
      publisher.publish('calculation.completed', { ...handling.data, result: '3' }),
    );
    expect(event.correlationid).toBe('flow-1');
    expect(event.causationid).toBe(handling.id);
  });
});

describe('publishBatch', () => {
  it('sends at most 10 entries per call', async () => {
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({
        Id: e.Id,
        MessageId: 'm',
      })),
    }));
    const report = await publisher.publishBatch(items(25));
    expect(report.calls).toBe(3);
    expect(report.events).toHaveLength(25);
    expect(
      sns
        .commandCalls(PublishBatchCommand)
        .map((c) => c.args[0].input.PublishBatchRequestEntries?.length),
    ).toEqual([10, 10, 5]);
  });

  it('retries only the entries that failed', async () => {
    let call = 0;
    sns.on(PublishBatchCommand).callsFake((input) => {
      const entries = input.PublishBatchRequestEntries as { Id: string }[];
      call++;
      if (call === 1) {
        return {
          Successful: entries.slice(1).map((e) => ({ Id: e.Id, MessageId: 'm' })),
          Failed: [{ Id: entries[0]?.Id, Code: 'InternalError', SenderFault: false }],
        };
      }
      return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: 'm' })) };
    });
    const report = await publisher.publishBatch(items(3));
    expect(report.events).toHaveLength(3);
    const retried =
      sns.commandCalls(PublishBatchCommand)[1]?.args[0].input.PublishBatchRequestEntries;
    expect(retried).toHaveLength(1);
  });

  it('reports entries that never succeed instead of dropping them', async () => {
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Failed: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({
        Id: e.Id,
        Code: 'InvalidParameter',
        Message: 'bad',
        SenderFault: true,
      })),
    }));
    const error = await publisher.publishBatch(items(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishBatchError);
    expect((error as PublishBatchError).failures).toHaveLength(2);
    expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1); // sender faults are not retried
  });
});

// The notifier's case, generalised: per handled event, attempts that each try the targets in any
// order, every publish succeeding, refused by SNS (and maybe tried again at once) or never made
// (the delivery failed). Whatever happened, an id stands for one (handled event, target).
describe('derived ids under any order of successes, failures and retries (property)', () => {
  type Outcome = 'sent' | 'refused by SNS' | 'refused by SNS, then sent';
  const outcome = fc.constantFrom<Outcome>('sent', 'refused by SNS', 'refused by SNS, then sent');
  const attempt = (targets: string[]) =>
    fc
      .shuffledSubarray(targets)
      .chain((order) =>
        fc
          .array(outcome, { minLength: order.length, maxLength: order.length })
          .map((outcomes) => order.map((target, i) => ({ target, outcome: outcomes[i] }))),
      );
  const handledEvents = fc
    .uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 1, maxLength: 5 })
    .chain((targets) =>
      fc.array(fc.array(attempt(targets), { minLength: 1, maxLength: 4 }), {
        minLength: 1,
        maxLength: 3,
      }),
    );

  it('gives one logical event one id across attempts, and two logical events two ids', async () => {
    await fc.assert(
      fc.asyncProperty(handledEvents, async (events) => {
        sns.reset();
        let refuseNext = false;
        sns.on(PublishCommand).callsFake(() => {
          if (!refuseNext) return { MessageId: 'm' };
          refuseNext = false;
          throw new Error('throttled');
        });
        for (const attempts of events) {
          const handling = requested();
          for (const [n, tries] of attempts.entries()) {
            await runInEventScope(handling, async () => {
              for (const { target, outcome } of tries) {
                refuseNext = outcome !== 'sent';
                const publishing = sent(target, n + 1);
                if (outcome === 'sent') await publishing;
                else await expect(publishing).rejects.toThrow('throttled');
                if (outcome === 'refused by SNS, then sent') await sent(target, n + 1);
              }
            });
          }
        }
        // Every message that reached SNS, refused or not: a refused one may have been published.
        const idsOf = new Map<string, Set<string>>();
        for (const call of sns.commandCalls(PublishCommand)) {
          const event = JSON.parse(call.args[0].input.Message ?? '');
          const logical = `${event.causationid} ${event.data.target}`;
          idsOf.set(logical, (idsOf.get(logical) ?? new Set()).add(event.id));
        }
        const ids = [...idsOf.values()];
        expect(ids.filter((set) => set.size > 1)).toEqual([]);
        expect(new Set(ids.flatMap((set) => [...set])).size).toBe(ids.length);
      }),
      { numRuns: 300 },
    );
  });
});
