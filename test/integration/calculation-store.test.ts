import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import { createCalculationStore } from '../../services/storage/calculation-store.ts';
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
});
