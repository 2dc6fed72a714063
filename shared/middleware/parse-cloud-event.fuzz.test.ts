import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { ContractViolation } from '../../events/contract-violation.ts';
import { currentContract } from '../../events/registry.ts';
import { parseRecordBody } from './parse-cloud-event.ts';

// Property-based, in the way Middy keeps an index.fuzz.js beside each middleware: whatever arrives
// in a queue, parsing yields an event or a *classified* ContractViolation (→ DLQ with its code),
// never another kind of error. FUZZ_RUNS sets the number of inputs (CI: a few hundred).
const numRuns = Number(process.env.FUZZ_RUNS ?? (process.env.CI ? 300 : 5_000));
const accepts = ['calculation.requested', 'calculation.completed'];

const valid = buildCloudEvent(
  currentContract('calculation.requested'),
  { calculationId: '6f1c1c3e-3f0e-4c55-9d43-0a7a3c1e2b10', operation: 'add', a: '1', b: '2' },
  'fuzz',
);

/** Near-valid events: the valid one with any field replaced, removed or added. */
const nearValid = fc
  .record({
    field: fc.constantFrom(...Object.keys(valid), 'data.a', 'data.b', 'data.operation', 'extra'),
    value: fc.oneof(fc.jsonValue(), fc.constant(undefined)),
  })
  .map(({ field, value }) => {
    const event = structuredClone(valid) as Record<string, unknown>;
    const [outer, inner] = field.split('.') as [string, string | undefined];
    if (inner) (event[outer] as Record<string, unknown>)[inner] = value;
    else event[outer] = value;
    return JSON.stringify(event);
  });

const bodies = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json({ depthSize: 'large' }),
  nearValid,
  // Odd numbers and huge values where the contract expects decimals.
  fc
    .oneof(fc.double(), fc.bigInt().map(String), fc.string({ maxLength: 2000 }))
    .map((a) => JSON.stringify({ ...valid, data: { ...valid.data, a } })),
  // Deep nesting.
  fc.integer({ min: 1, max: 5000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  // SNS-wrapped, as a subscription without raw delivery sends it.
  nearValid.map((Message) => JSON.stringify({ Type: 'Notification', TopicArn: 'arn', Message })),
);

describe('parseRecordBody (fuzz)', () => {
  it('returns a valid event or throws a ContractViolation, for any body', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        try {
          const event = parseRecordBody(body, accepts);
          expect(accepts).toContain(event.type);
          expect(event.correlationid).toBeTruthy();
        } catch (error) {
          expect(error).toBeInstanceOf(ContractViolation);
          expect((error as ContractViolation).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns },
    );
  }, 300_000);
});
