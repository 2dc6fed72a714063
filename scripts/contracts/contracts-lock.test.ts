import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineContract } from '../../events/contract.ts';
import { compareWithLock, lockOf } from './contracts-lock.ts';

// A type no fork would register.
const TYPE = 'zz.sample';
const sample = (schema: z.ZodType, version = 1) =>
  defineContract({ type: TYPE, version, description: 'a test contract', schema, examples: [] });

describe('compareWithLock: types and majors', () => {
  const v1 = sample(z.object({ id: z.string() }));
  const v2 = sample(z.object({ id: z.uuid() }), 2);
  const other = { ...sample(z.object({ id: z.string() })), type: 'zz.other' };

  it('passes a new type and a new major, listing them to record', () => {
    expect(compareWithLock(lockOf([v1]), [v1, v2, other])).toEqual({
      breaks: [],
      widenings: [],
      unrecorded: ['zz.other v1: a new event type', `${TYPE} v2: a new major version`],
    });
  });

  it('refuses a recorded major that disappeared, naming --allow-removal', () => {
    expect(compareWithLock(lockOf([v1, v2]), [v2]).breaks).toEqual([
      {
        removal: true,
        summary: `${TYPE} v1: removal recorded`,
        sentence: `${TYPE} v1 is recorded but no longer registered, and its producers and consumers may still use it — register it again, or once nobody publishes or consumes it, record its removal with npm run contracts:check -- --update --allow-removal.`,
      },
    ]);
  });

  it('points a break at the next major, or at a newer one not recorded yet', () => {
    const narrowed = sample(z.object({ id: z.string().min(1) }));
    const [recordedBoth] = compareWithLock(lockOf([v1, v2]), [narrowed, v2]).breaks;
    expect(recordedBoth?.sentence).toBe(
      `${TYPE} v1: data.id now has a minimum length of 1 — keep v1 as recorded and make the change in a new major: npm run new:event -- ${TYPE} --version 3.`,
    );
    const [v2Unrecorded] = compareWithLock(lockOf([v1]), [narrowed, v2]).breaks;
    expect(v2Unrecorded?.sentence).toBe(
      `${TYPE} v1: data.id now has a minimum length of 1 — keep v1 as recorded and make the change in v2, which is not recorded yet.`,
    );
  });
});
