import { describe, expect, it } from 'vitest';
import { applyTracing } from './tracing.ts';

const service = (tracing?: 'Active' | 'PassThrough') => ({
  service: 'zqx-svc',
  custom: { tracing },
  provider: { stage: 'zqx' } as { stage: string; tracing?: { lambda?: string | boolean } },
  functions: {
    api: { role: 'ApiRole' },
    worker: { role: 'WorkerRole' },
    other: { role: 'ApiRole' },
  },
  resources: {
    Resources: {
      EventsTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'zqx-events' } },
    } as Record<string, { Type?: string; Properties?: Record<string, unknown> }>,
  },
});

describe('param tracing', () => {
  it('adds nothing by default', () => {
    const s = service('PassThrough');
    expect(applyTracing(s)).toEqual([]);
    expect(s.provider.tracing).toBeUndefined();
    expect(Object.keys(s.resources.Resources)).toEqual(['EventsTopic']);
    expect(s.resources.Resources.EventsTopic?.Properties).toEqual({ TopicName: 'zqx-events' });
  });

  it('traces every function and grants each role the X-Ray writes, once', () => {
    const s = service('Active');
    expect(applyTracing(s)).toEqual(['ApiRole', 'WorkerRole']);
    expect(s.provider.tracing).toEqual({ lambda: 'Active' });
    expect(s.resources.Resources.TracingPolicy).toMatchObject({
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Roles: [{ Ref: 'ApiRole' }, { Ref: 'WorkerRole' }],
        PolicyDocument: {
          Statement: [{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] }],
        },
      },
    });
  });

  it('traces the events topic, and lets SNS write the segments of that topic only', () => {
    const s = service('Active');
    applyTracing(s);
    expect(s.resources.Resources.EventsTopic?.Properties).toMatchObject({
      TracingConfig: 'Active',
    });
    const policy = s.resources.Resources.EventsTopicTracingPolicy;
    expect(policy).toMatchObject({
      Type: 'AWS::XRay::ResourcePolicy',
      Properties: { PolicyName: 'zqx-svc-zqx-sns-tracing' },
    });
    const document = JSON.parse(
      (policy?.Properties?.PolicyDocument as { 'Fn::Sub': string } | undefined)?.['Fn::Sub'] ?? '',
    );
    expect(document.Statement[0]).toMatchObject({
      Principal: { Service: 'sns.amazonaws.com' },
      Condition: { ArnLike: { 'aws:SourceArn': '${EventsTopic}' } },
    });
  });
});
