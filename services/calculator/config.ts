import * as z from 'zod';
import { loadConfig, publisherConfigShape } from '../../shared/config.ts';

/** The calculator functions' environment, parsed once at cold start. */
export const calculatorConfig = () =>
  loadConfig({ ...publisherConfigShape, IDEMPOTENCY_TABLE: z.string().min(1) });
