import { callerOf } from '../../shared/http/caller.ts';
import { createHttpApi, route } from '../../shared/http/create-http-api.ts';
import { type HttpEvent, problem, respond } from '../../shared/http/operation.ts';
import { createLogger } from '../../shared/logger.ts';
import { createCalculationStore } from './calculation-store.ts';
import { storageConfig } from './config.ts';
import { getCalculation } from './routes.ts';

const config = storageConfig();
const logger = createLogger(config.SERVICE_NAME);
const store = createCalculationStore(config.CALCULATIONS_TABLE);

/** GET /calculations/{id} */
async function readCalculation(event: HttpEvent<typeof getCalculation>) {
  const { id } = event.input.path;
  const record = await store.get(id);
  // With an authenticated API only the caller who asked may read it; to anyone else it does not
  // exist (a 403 would confirm the id). A record whose owner is not known yet answers no caller.
  const caller = callerOf(event);
  if (!record || (caller !== undefined && record.owner !== caller))
    throw problem(getCalculation, 404, 'Not Found', `No calculation ${id}`);
  const { calculationId, status, operation, a, b, result, error, createdAt, updatedAt } = record;
  return respond(getCalculation, 200, {
    calculationId,
    status,
    operation,
    a,
    b,
    result,
    error,
    createdAt,
    updatedAt,
  });
}

export const handler = createHttpApi(
  [route(getCalculation, readCalculation)],
  logger,
  config.SERVICE_NAME,
);
