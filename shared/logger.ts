import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One Powertools logger per service. Level from POWERTOOLS_LOG_LEVEL (per stage in serverless.yml),
 * service name from the SERVICE_NAME the function is deployed with.
 */
export const createLogger = (serviceName = process.env.SERVICE_NAME ?? 'unknown'): Logger =>
  new Logger({ serviceName });
