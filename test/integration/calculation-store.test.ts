import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { createCalculationStore } from '../../services/storage/calculation-store.ts';
import { PermanentError } from '../../shared/errors.ts';
import { createTable, deleteCreatedResources } from '../support/resources.ts';

afterAll(deleteCreatedResources);

const fields = () => ({
  calculationId: randomUUID(),
  operation: 'divide' as const,
  a: '1',
  b: '4',
});
const requested = (data: ReturnType<typeof fields>) =>
  buildCloudEvent(currentContract('calculation.requested'), data, 'test');
const completed = (data: ReturnType<typeof fields>, result = '0.25') =>
  buildCloudEvent(currentContract('calculation.completed'), { ...data, result }, 'test');
const failed = (data: ReturnType<typeof fields>) =>
  buildCloudEvent(
    currentContract('calculation.failed'),
    { ...data, error: { code: 'OUT_OF_RANGE' as const, message: 'too big' } },
    'test',
  );

describe('calculation store (DynamoDB conditional writes)', () => {
  it('ends completed when completed arrives before its requested', async () => {
    const store = createCalculationStore(await createTable('calculations', 'calculationId'));
    const data = fields();
    await store.apply(completed(data));
    await store.apply(requested(data));
    expect(await store.get(data.calculationId)).toMatchObject({
      status: 'completed',
      result: '0.25',
    });
  });

  it('never lets a replayed requested overwrite a result', async () => {
    const store = createCalculationStore(await createTable('calculations', 'calculationId'));
    const data = fields();
    const request = requested(data);
    await store.apply(request);
    await store.apply(completed(data));
    await store.apply(request);
    const record = await store.get(data.calculationId);
    expect(record).toMatchObject({ status: 'completed', result: '0.25', createdAt: request.time });
  });

  it('keeps the first outcome: a late failed does not replace completed', async () => {
    const store = createCalculationStore(await createTable('calculations', 'calculationId'));
    const data = fields();
    await store.apply(requested(data));
    expect(await store.apply(completed(data))).toBe(true);
    expect(await store.apply(failed(data))).toBe(false);
    const record = await store.get(data.calculationId);
    expect(record?.status).toBe('completed');
    expect(record).not.toHaveProperty('error');
  });

  it('works without `time`, which CloudEvents makes optional', async () => {
    const store = createCalculationStore(await createTable('calculations', 'calculationId'));
    const data = fields();
    const { time: _, ...untimed } = requested(data);
    await store.apply(untimed);
    const record = await store.get(data.calculationId);
    expect(record).toMatchObject({ status: 'pending', a: '1' });
    expect(Date.parse(record?.createdAt ?? '')).not.toBeNaN();
  });

  it('never changes the operands of a record: another requested for its id is a permanent failure', async () => {
    const store = createCalculationStore(await createTable('calculations', 'calculationId'));
    const data = fields();
    await store.apply(requested(data));
    await store.apply(completed(data));
    const conflicting = requested({ ...data, a: '2' });
    await expect(store.apply(conflicting)).rejects.toThrow(PermanentError);
    await expect(store.apply(conflicting)).rejects.toThrow(/CONFLICTING_OPERANDS|operands/);
    await expect(store.apply(completed({ ...data, b: '8' }, '0.125'))).rejects.toThrow(
      PermanentError,
    );
    expect(await store.get(data.calculationId)).toMatchObject({
      a: '1',
      b: '4',
      result: '0.25',
    });
    // The same operands again are a duplicate, not a conflict.
    await expect(store.apply(requested(data))).resolves.toBeDefined();
  });
});
