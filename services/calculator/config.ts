import * as z from '../../events/zod.ts';
import { loadConfig, publisherConfigShape } from '../../shared/config.ts';

/** The calculator functions' environment, parsed once at cold start. */
export const calculatorConfig = () =>
  loadConfig({ ...publisherConfigShape, IDEMPOTENCY_TABLE: z.string().check(z.minLength(1)) });
