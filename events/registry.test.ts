import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCloudEvent } from './cloud-event.ts';
import { ContractViolation } from './contract-violation.ts';
import { contracts, currentContract, parseEvent } from './registry.ts';

const data = { calculationId: randomUUID(), operation: 'add', a: '0.1', b: '0.2' } as const;

describe('envelope and registry', () => {
  it('round-trips an event: build → JSON → parse gives the same event', () => {
    const event = buildCloudEvent(currentContract('calculation.requested'), data, 'calculator', {
      correlationId: 'corr-1',
      causationId: 'cause-1',
    });
    expect(event).toMatchObject({
      specversion: '1.0',
      source: 'calculator',
      type: 'calculation.requested',
      datacontenttype: 'application/json',
      dataschema: 'urn:event-schema:calculation.requested:v1',
      correlationid: 'corr-1',
      causationid: 'cause-1',
    });
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('starts a new correlation with the event id when none is given', () => {
    const event = buildCloudEvent(currentContract('calculation.requested'), data, 'calculator');
    expect(event.correlationid).toBe(event.id);
    expect(event).not.toHaveProperty('causationid');
  });

  it('rejects an unknown type', () => {
    const event = {
      ...buildCloudEvent(currentContract('calculation.requested'), data, 'x'),
      type: 'calculation.exploded',
    };
    expect(() => parseEvent(event)).toThrowError(
      expect.objectContaining({
        code: 'UNKNOWN_EVENT_TYPE',
        message: 'Unknown event type "calculation.exploded"',
      }),
    );
  });

  it('rejects an unknown major version', () => {
    const event = {
      ...buildCloudEvent(currentContract('calculation.requested'), data, 'x'),
      dataschema: 'urn:event-schema:calculation.requested:v2',
    };
    expect(() => parseEvent(event)).toThrowError(
      expect.objectContaining({
        code: 'UNKNOWN_EVENT_VERSION',
        message: expect.stringContaining(':v2'),
      }),
    );
  });

  it('names every invalid field of the data', () => {
    const event = buildCloudEvent(currentContract('calculation.requested'), data, 'x');
    const bad = { ...event, data: { ...event.data, operation: 'power', a: 'x' } };
    expect(() => parseEvent(bad)).toThrowError(ContractViolation);
    expect(() => parseEvent(bad)).toThrowError(
      /data\.operation: .*; data\.a: "x" is not a decimal number/,
    );
  });

  it('names what is wrong with an envelope', () => {
    expect(() => parseEvent({ specversion: '0.3', id: '' })).toThrowError(
      expect.objectContaining({
        code: 'INVALID_ENVELOPE',
        message: expect.stringMatching(/specversion: .*id: .*source: .*type: /),
      }),
    );
  });

  it('demands only what CloudEvents requires, and fills in the documented defaults', () => {
    const event = parseEvent({
      specversion: '1.0',
      id: 'order-42', // any non-empty string, not necessarily a UUID
      source: 'another-team',
      type: 'calculation.requested',
      data: { calculationId: '6f1c1c3e-3f0e-4c55-9d43-0a7a3c1e2b10', operation: 'add', a: 1, b: 2 },
    });
    expect(event).toMatchObject({
      id: 'order-42',
      correlationid: 'order-42', // a new flow starts with the event's own id
      dataschema: 'urn:event-schema:calculation.requested:v1', // the oldest registered major
      datacontenttype: 'application/json',
    });
    expect(event).not.toHaveProperty('causationid');
    expect(event).not.toHaveProperty('time');
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON ;charset="UTF-8"',
    'application/cloudevents+json',
  ])('reads datacontenttype %j as JSON (a media type, parameters and case allowed)', (type) => {
    const [contract] = contracts;
    const event = { ...buildCloudEvent(contract, contract.examples[0] as never, 'test') };
    expect(parseEvent({ ...event, datacontenttype: type }).datacontenttype).toBe(
      'application/json',
    );
  });

  it.each(['text/plain', 'application/jsonx', 'application/xml; charset=utf-8'])(
    'refuses datacontenttype %j naming it',
    (type) => {
      const [contract] = contracts;
      const event = buildCloudEvent(contract, contract.examples[0] as never, 'test');
      expect(() => parseEvent({ ...event, datacontenttype: type })).toThrowError(/datacontenttype/);
    },
  );

  it('every contract accepts its own examples', () => {
    for (const contract of contracts) {
      for (const example of contract.examples)
        expect(contract.schema.safeParse(example).success).toBe(true);
    }
  });
});
