import { describe, expect, it } from 'vitest';
import { applyTracing } from './tracing.ts';

const service = (tracing?: 'Active' | 'PassThrough') => ({
  custom: { tracing },
  provider: {} as { tracing?: { lambda?: string | boolean } },
  functions: {
    api: { role: 'ApiRole' },
    worker: { role: 'WorkerRole' },
    other: { role: 'ApiRole' },
  },
  resources: { Resources: {} as Record<string, unknown> },
});

describe('param tracing', () => {
  it('adds nothing by default', () => {
    const s = service('PassThrough');
    expect(applyTracing(s)).toEqual([]);
    expect(s.provider.tracing).toBeUndefined();
    expect(s.resources.Resources).toEqual({});
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
});
