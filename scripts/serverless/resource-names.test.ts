import { describe, expect, it } from 'vitest';
import { nameFindings, refusal } from './resource-names.ts';

describe('resource-names plugin', () => {
  const template = (stage: string) => ({
    Resources: {
      WorkerFn: {
        Type: 'AWS::Lambda::Function',
        Properties: { FunctionName: `zqx-svc-${stage}-ledgerWorker` },
      },
      LedgerQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: `zqx-svc-${stage}-ledger-dlq` },
      },
      Built: {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: { 'Fn::Sub': '${AWS::StackName}-q' } },
      },
      Untouched: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'x'.repeat(90) } },
    },
  });

  it('passes names within the limits, and leaves names built at deploy time to CloudFormation', () => {
    expect(nameFindings(template('pr-7'), 'pr-7', 'zqx-svc')).toEqual([]);
  });

  it('refuses, in one sentence each, a name longer than AWS allows', () => {
    const stage = `pr-${'9'.repeat(41)}`; // the function's name is 65 characters, the queue's 60
    expect(nameFindings(template(stage), stage, 'zqx-svc')).toEqual([
      `Stage "${stage}" of service "zqx-svc" makes the Lambda function name of WorkerFn 65 characters ("zqx-svc-${stage}-ledgerWorker"); AWS allows 64: choose a stage or service name at least 1 character shorter.`,
    ]);
  });

  it('refuses a name with characters AWS does not accept there', () => {
    expect(nameFindings(template('pr.7'), 'pr.7', 'zqx-svc')).toEqual([
      'Stage "pr.7" of service "zqx-svc" gives the Lambda function WorkerFn the name "zqx-svc-pr.7-ledgerWorker", with characters AWS refuses there (it accepts ^[a-zA-Z0-9_-]+$).',
      'Stage "pr.7" of service "zqx-svc" gives the SQS queue LedgerQueue the name "zqx-svc-pr.7-ledger-dlq", with characters AWS refuses there (it accepts ^[a-zA-Z0-9_-]+(\\.fifo)?$).',
    ]);
  });

  it('says it in one sentence: the name that must shrink most, and how many more', () => {
    const stage = `pr-${'9'.repeat(60)}`;
    expect(refusal(nameFindings(template(stage), stage, 'zqx-svc'))).toBe(
      `Stage "${stage}" of service "zqx-svc" makes the Lambda function name of WorkerFn 84 characters ("zqx-svc-${stage}-ledgerWorker"); AWS allows 64: choose a stage or service name at least 20 characters shorter (and 1 other resource name with it).`,
    );
  });
});
