import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { callerOf } from '../../shared/http/caller.ts';
import { createHttpApi } from '../../shared/http/create-http-api.ts';
import { respond } from '../../shared/http/operation.ts';
import { HttpProblem } from '../../shared/http/problem.ts';
import { validate } from '../../shared/http/request.ts';
import { createLogger } from '../../shared/logger.ts';
import { createCalculationStore } from './calculation-store.ts';
import { storageConfig } from './config.ts';
import { getCalculation } from './routes.ts';

const config = storageConfig();
const logger = createLogger(config.SERVICE_NAME);
const store = createCalculationStore(config.CALCULATIONS_TABLE);

/** GET /calculations/{id} */
async function readCalculation(event: APIGatewayProxyEventV2) {
  const { id } = validate(getCalculation.request.path, event.pathParameters, 'path');
  const record = await store.get(id);
  // With an authenticated API only the caller who asked may read it; to anyone else it does not
  // exist (a 403 would confirm the id). A record whose owner is not known yet answers no caller.
  const caller = callerOf(event);
  if (!record || (caller !== undefined && record.owner !== caller))
    throw new HttpProblem(404, 'Not Found', `No calculation ${id}`);
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
  [{ ...getCalculation, handler: readCalculation }],
  logger,
  config.SERVICE_NAME,
);
