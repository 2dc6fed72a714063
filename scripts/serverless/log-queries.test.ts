import { describe, expect, it } from 'vitest';
import { CORRELATION_PLACEHOLDER, logQueries } from './log-queries.ts';

const naming = {
  getLogGroupLogicalId: (fn: string) => `${fn[0]?.toUpperCase()}${fn.slice(1)}LogGroup`,
};
const service = (functions: string[], consumers: string[]) => ({
  service: 'zqx-svc',
  provider: { stage: 'zqx' },
  functions: Object.fromEntries(functions.map((f) => [f, {}])),
  custom: { consumers: Object.fromEntries(consumers.map((c) => [c, {}])) },
  resources: { Resources: {} },
});

describe('saved log queries', () => {
  it('follows one correlation id across every function, and lists each consumer’s dead-letter reasons', () => {
    const queries = logQueries(
      service(['zqxOrdersApi', 'zqxFraudCheckWorker'], ['zqx-fraud-check']),
      naming,
    );
    expect(Object.keys(queries).sort()).toEqual([
      'FollowCorrelationIdQuery',
      'ZqxFraudCheckDeadLetterReasonsQuery',
    ]);
    expect(queries.FollowCorrelationIdQuery).toMatchObject({
      Type: 'AWS::Logs::QueryDefinition',
      Properties: {
        Name: 'zqx-svc/zqx/follow-correlationid',
        LogGroupNames: [{ Ref: 'ZqxFraudCheckWorkerLogGroup' }, { Ref: 'ZqxOrdersApiLogGroup' }],
        QueryString: expect.stringContaining(
          `filter event.correlationid = "${CORRELATION_PLACEHOLDER}"`,
        ),
      },
    });
    expect(queries.ZqxFraudCheckDeadLetterReasonsQuery).toMatchObject({
      Properties: {
        Name: 'zqx-svc/zqx/zqx-fraud-check-dead-letter-reasons',
        LogGroupNames: [{ Ref: 'ZqxFraudCheckWorkerLogGroup' }],
        QueryString: expect.stringContaining('failure.code'),
      },
    });
  });

  it('saves none for a stage without functions', () => {
    expect(logQueries(service([], []), naming)).toEqual({});
  });
});
