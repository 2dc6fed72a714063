import * as z from 'zod';
import { baseConfigShape, loadConfig } from '../../shared/config.ts';

/** The storage functions' environment, parsed once at cold start. */
export const storageConfig = () =>
  loadConfig({ ...baseConfigShape, CALCULATIONS_TABLE: z.string().min(1) });

/** The storage API's: it also keeps Idempotency-Key records. */
export const storageApiConfig = () =>
  loadConfig({
    ...baseConfigShape,
    CALCULATIONS_TABLE: z.string().min(1),
    IDEMPOTENCY_TABLE: z.string().min(1),
  });
