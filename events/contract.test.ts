import { describe, expect, it } from 'vitest';
import * as classic from 'zod';
import { dataschemaFor, defineContract } from './contract.ts';
import { ContractViolation } from './contract-violation.ts';
import { type EventType, validateData } from './registry.ts';
import * as z from './zod.ts';

// The template writes its schemas with zod/mini; a fork's contracts written with the chainable
// zod before it switched keep working after `npm run template:update`, only in a larger bundle.
describe('a contract of either zod API', () => {
  const written = {
    mini: z.object({ zzWidgetId: z.uuid(), zzCount: z.int().check(z.minimum(1)) }),
    chainable: classic.object({ zzWidgetId: classic.uuid(), zzCount: classic.int().min(1) }),
  };
  const valid = { zzWidgetId: '00000000-0000-4000-8000-000000000000', zzCount: 2 };

  it.each(Object.entries(written))('validates and names a bad field with %s', (_, schema) => {
    const contract = defineContract({
      type: 'zz-widget.counted',
      version: 1,
      description: 'A test contract.',
      schema,
      examples: [valid],
    });
    const type = contract.type as EventType;
    expect(validateData(type, valid, contract)).toEqual(valid);
    expect(() => validateData(type, { ...valid, zzCount: 0 }, contract)).toThrow(ContractViolation);
    expect(() => validateData(type, { ...valid, zzCount: 0 }, contract)).toThrow(
      /data\.zzCount: Too small: expected number to be >=1/,
    );
    expect(z.toJSONSchema(contract.schema)).toMatchObject({
      required: ['zzWidgetId', 'zzCount'],
    });
  });
});

describe('a contract whose schema is a function that builds it', () => {
  it('builds it the first time it is read, and only once', () => {
    let builds = 0;
    const contract = defineContract({
      type: 'zz-widget.counted',
      version: 1,
      description: 'A test contract.',
      schema: () => {
        builds++;
        return z.object({ zzCount: z.int() });
      },
      examples: [{ zzCount: 1 }],
    });
    expect(builds).toBe(0);
    expect([contract.type, contract.dataschema]).toEqual([
      'zz-widget.counted',
      dataschemaFor('zz-widget.counted', 1),
    ]);
    const type = contract.type as EventType;
    expect(validateData(type, { zzCount: 2 }, contract)).toEqual({ zzCount: 2 });
    expect(() => validateData(type, { zzCount: 'two' }, contract)).toThrow(/data\.zzCount/);
    expect(contract.schema).toBe(contract.schema);
    expect(builds).toBe(1);
  });
});
