import * as z from '../../events/zod.ts';
import { baseConfigShape, consumerConfigShape, loadConfig } from '../../shared/config.ts';

const TableName = z.string().check(z.minLength(1));

/** The storage worker's environment, parsed once at cold start (createConsumer gets it too). */
export const storageConfig = () =>
  loadConfig({ ...consumerConfigShape, CALCULATIONS_TABLE: TableName });

/** The storage API's: it also keeps Idempotency-Key records. */
export const storageApiConfig = () =>
  loadConfig({
    ...baseConfigShape,
    CALCULATIONS_TABLE: TableName,
    IDEMPOTENCY_TABLE: TableName,
  });
