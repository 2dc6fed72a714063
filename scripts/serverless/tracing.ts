// A Serverless Framework plugin (serverless.yml → plugins): AWS X-Ray tracing as an opt-in stage
// param, `custom.tracing: Active | PassThrough`. With `Active`, every function traces and — since
// each function has a role of its own, which the framework does not extend — one managed policy
// grants exactly the X-Ray writes to every function's role. With `PassThrough` (the default)
// nothing is added.

interface Serverless {
  configSchemaHandler: { defineCustomProperties(schema: object): void };
  service: {
    custom?: { tracing?: 'Active' | 'PassThrough' };
    provider: { tracing?: { lambda?: string | boolean } };
    functions?: Record<string, { role?: unknown }>;
    resources: { Resources: Record<string, unknown> };
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
