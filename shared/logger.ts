import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { currentEvent } from './event-scope.ts';

/**
 * Powertools' standard JSON keys, plus `event` (id, type, correlationid, causationid) on every
 * line written while a record is handled. The keys come from the record's own async scope, not
 * from logger state, so batch-mates handled concurrently never borrow each other's ids.
 */
class EventScopedLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const item = new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_arn: context?.invokedFunctionArn,
        function_memory_size: context?.memoryLimitInMB,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        sampling_rate: attributes.sampleRateValue,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
    const event = currentEvent();
    if (event) {
      const { id, type, correlationid, causationid } = event;
      item.addAttributes({ event: { id, type, correlationid, causationid } });
    }
    return item;
  }
}

/**
 * One Powertools logger per service. Level from POWERTOOLS_LOG_LEVEL (per stage in serverless.yml),
 * service name from the SERVICE_NAME the function is deployed with.
 */
export const createLogger = (serviceName = process.env.SERVICE_NAME ?? 'unknown'): Logger =>
  new Logger({ serviceName, logFormatter: new EventScopedLogFormatter() });
