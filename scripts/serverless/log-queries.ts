// A Serverless Framework plugin (serverless.yml → plugins): saved CloudWatch Logs Insights queries
// per stage (AWS::Logs::QueryDefinition), under the folder `<service>/<stage>` of the console's
// saved queries:
// - `follow-correlationid`: one correlation id across every function's log, in time order — the
//   path of one request or event through the services (paste the id over the placeholder);
// - `<consumer>-dead-letter-reasons`: what a consumer dead-lettered, newest first, with the
//   `failure.*` reason its DLQ letter carries (shared/middleware/classify-failures.ts logs it).
// The fields are the ones shared/logger.ts writes (Powertools' keys plus `event`).
// A deploy to an emulator (AWS_ENDPOINT_URL set) leaves them out: MiniStack's CloudFormation
// refuses the type (it has no Logs Insights), and no emulator here could run them anyway.
import { consumerIds } from './consumer-resources.ts';

interface Naming {
  getLogGroupLogicalId(functionName: string): string;
}

interface Serverless {
  getProvider(name: 'aws'): { naming: Naming };
  service: {
    service: string;
    provider: { stage: string };
    functions?: Record<string, unknown>;
    custom?: { consumers?: Record<string, unknown> | null };
    resources: { Resources: Record<string, unknown> };
  };
}

export const CORRELATION_PLACEHOLDER = 'PASTE-A-CORRELATION-ID';

/** The stage's saved queries, by logical id. */
export function logQueries(service: Serverless['service'], naming: Naming) {
  const folder = `${service.service}/${service.provider.stage}`;
  const logGroup = (fn: string) => ({ Ref: naming.getLogGroupLogicalId(fn) });
  const functions = Object.keys(service.functions ?? {}).sort();
  const resources: Record<string, unknown> = {};
  if (functions.length)
    resources.FollowCorrelationIdQuery = {
      Type: 'AWS::Logs::QueryDefinition',
      Properties: {
        Name: `${folder}/follow-correlationid`,
        LogGroupNames: functions.map(logGroup),
        QueryString: [
          'fields @timestamp, service, level, message, event.type, event.id, event.causationid',
          `| filter event.correlationid = "${CORRELATION_PLACEHOLDER}"`,
          '| sort @timestamp asc',
        ].join('\n'),
      },
    };
  for (const consumer of Object.keys(service.custom?.consumers ?? {}).sort()) {
    const ids = consumerIds(consumer);
    if (!service.functions?.[ids.functionName]) continue;
    resources[ids.logGroup.replace(/WorkerLogGroup$/, 'DeadLetterReasonsQuery')] = {
      Type: 'AWS::Logs::QueryDefinition',
      Properties: {
        Name: `${folder}/${consumer}-dead-letter-reasons`,
        LogGroupNames: [{ Ref: ids.logGroup }],
        QueryString: [
          'fields @timestamp, failure.code, failure.message, attempt, event.type, event.id, messageId',
          '| filter message like /sent to the dead-letter queue/',
          '| sort @timestamp desc',
        ].join('\n'),
      },
    };
  }
  return resources;
}

export default class LogQueries {
  hooks: Record<string, () => void>;
  constructor(serverless: Serverless) {
    // After event-consumers (listed before it), so the consumers' functions are there.
    this.hooks = {
      initialize: () => {
        if (process.env.AWS_ENDPOINT_URL) return;
        Object.assign(
          serverless.service.resources.Resources,
          logQueries(serverless.service, serverless.getProvider('aws').naming),
        );
      },
    };
  }
}
