// A Serverless Framework plugin (serverless.yml → plugins): AWS X-Ray tracing as an opt-in stage
// param, `custom.tracing: Active | PassThrough`. With `Active`:
// - every function traces, and its bundle carries Powertools Tracer (shared/tracing.ts: the
//   handler's subsegment, one per AWS SDK call), which custom.esbuild.define turns on;
// - one managed policy grants exactly the X-Ray writes to every function's role (each function
//   has a role of its own, which the framework does not extend);
// - the events topic traces actively, and an X-Ray resource policy lets SNS write its segments
//   for that topic only. SNS hands the trace header on to the queues, and X-Ray links each
//   consumer's invocation to the trace of the message it handles.
// With `PassThrough` (the default) nothing is added, and the bundles hold no tracing code.

interface Serverless {
  configSchemaHandler: { defineCustomProperties(schema: object): void };
  service: {
    custom?: { tracing?: 'Active' | 'PassThrough' };
    functions?: Record<string, { role?: unknown }>;
    service: string;
    provider: { stage: string; tracing?: { lambda?: string | boolean } };
    resources: {
      Resources: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
    };
  };
}

/** Turn tracing on for every function; returns the roles granted X-Ray writes. */
export function applyTracing(service: Serverless['service']): string[] {
  if (service.custom?.tracing !== 'Active') return [];
  service.provider.tracing = { ...service.provider.tracing, lambda: 'Active' };
  const roles = [
    ...new Set(
      Object.values(service.functions ?? {})
        .map((fn) => fn.role)
        .filter((role): role is string => typeof role === 'string'),
    ),
  ].sort();
  service.resources.Resources.TracingPolicy = {
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: {
      Description: 'X-Ray trace uploads, for every function of this stage (param tracing: Active)',
      Roles: roles.map((role) => ({ Ref: role })),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            // These X-Ray actions support no resource-level permissions.
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            Resource: '*',
          },
        ],
      },
    },
  };
  const topic = service.resources.Resources.EventsTopic;
  if (topic?.Type === 'AWS::SNS::Topic') {
    topic.Properties = { ...topic.Properties, TracingConfig: 'Active' };
    service.resources.Resources.EventsTopicTracingPolicy = {
      Type: 'AWS::XRay::ResourcePolicy',
      Properties: {
        PolicyName: `${service.service}-${service.provider.stage}-sns-tracing`,
        PolicyDocument: {
          'Fn::Sub': JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'sns.amazonaws.com' },
                Action: [
                  'xray:PutTraceSegments',
                  'xray:GetSamplingRules',
                  'xray:GetSamplingTargets',
                ],
                Resource: '*', // X-Ray scopes these by the conditions below, not by resource
                Condition: {
                  StringEquals: { 'aws:SourceAccount': '${AWS::AccountId}' },
                  ArnLike: { 'aws:SourceArn': '${EventsTopic}' },
                },
              },
            ],
          }),
        },
      },
    };
  }
  return roles;
}

export default class Tracing {
  hooks: Record<string, () => void>;
  constructor(serverless: Serverless) {
    serverless.configSchemaHandler.defineCustomProperties({
      properties: { tracing: { enum: ['Active', 'PassThrough'] } },
    });
    // After event-consumers (listed before it), so the consumers' roles are there.
    this.hooks = { initialize: () => void applyTracing(serverless.service) };
  }
}
