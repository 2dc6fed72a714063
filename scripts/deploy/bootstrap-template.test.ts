import { describe, expect, it } from 'vitest';
import { evaluateCall } from '../iam/evaluate.ts';
import { bootstrapRole, bootstrapStackName, bootstrapTemplate } from './bootstrap-template.ts';
import { executionActions } from './execution-permissions.ts';

// The bootstrap stack's roles judged by a real IAM policy evaluator (@cloud-copilot/iam-simulate),
// for a service and repository no fork uses.
const site = {
  accountId: '123456789012',
  region: 'eu-west-1',
  service: 'zqx-ledger',
  repository: 'zqx-org/zqx-ledger',
};
const types = ['AWS::SQS::Queue', 'AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::KMS::Key'];
const stackArn = (name: string) =>
  `arn:aws:cloudformation:${site.region}:${site.accountId}:stack/${name}/5d1c0e60-0000-0000-0000-000000000000`;
const allowed = async (
  roleId: 'DeployRole' | 'CloudFormationExecutionRole',
  action: string,
  resource: string,
  context: Record<string, string> = {},
) => {
  const role = await bootstrapRole(await bootstrapTemplate(types), roleId, site);
  return (await evaluateCall(role, { action, resource, context }, site.accountId)).allowed;
};

describe('the deploy role', () => {
  it("drives CloudFormation on the service's stacks, and not on the bootstrap stack itself", async () => {
    expect(
      await allowed('DeployRole', 'cloudformation:UpdateStack', stackArn('zqx-ledger-pr-7')),
    ).toBe(true);
    expect(
      await allowed(
        'DeployRole',
        'cloudformation:UpdateStack',
        stackArn(bootstrapStackName(site.service)),
      ),
    ).toBe(false);
    expect(
      await allowed('DeployRole', 'cloudformation:DeleteStack', stackArn('zqx-other-dev')),
    ).toBe(false);
  });

  it('passes the execution role to CloudFormation only, and creates nothing itself', async () => {
    const executionRole = `arn:aws:iam::${site.accountId}:role/zqx-ledger-cfn-execution`;
    const to = (service: string) => ({ 'iam:PassedToService': service });
    expect(
      await allowed(
        'DeployRole',
        'iam:PassRole',
        executionRole,
        to('cloudformation.amazonaws.com'),
      ),
    ).toBe(true);
    expect(
      await allowed('DeployRole', 'iam:PassRole', executionRole, to('lambda.amazonaws.com')),
    ).toBe(false);
    expect(
      await allowed(
        'DeployRole',
        'iam:CreateRole',
        `arn:aws:iam::${site.accountId}:role/zqx-ledger-x`,
      ),
    ).toBe(false);
    expect(
      await allowed(
        'DeployRole',
        'sqs:CreateQueue',
        `arn:aws:sqs:${site.region}:${site.accountId}:zqx-ledger-q`,
      ),
    ).toBe(false);
  });

  it('is trusted only by the repository’s pull requests and its dev and prod environments', async () => {
    const template = await bootstrapTemplate(types);
    const trust = template.Resources.DeployRole.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(
      trust.Condition['ForAnyValue:StringEquals']['token.actions.githubusercontent.com:sub'],
    ).toEqual([
      { 'Fn::Sub': 'repo:${GitHubRepository}:pull_request' },
      { 'Fn::Sub': 'repo:${GitHubRepository}:environment:dev' },
      { 'Fn::Sub': 'repo:${GitHubRepository}:environment:prod' },
    ]);
    expect(trust.Condition.StringEquals).toEqual({
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
    });
  });
});

describe('the CloudFormation execution role', () => {
  it("creates the packaged templates' resource types, named after the service only", async () => {
    const queue = (name: string) => `arn:aws:sqs:${site.region}:${site.accountId}:${name}`;
    expect(
      await allowed(
        'CloudFormationExecutionRole',
        'sqs:CreateQueue',
        queue('zqx-ledger-dev-audit'),
      ),
    ).toBe(true);
    expect(await allowed('CloudFormationExecutionRole', 'sqs:CreateQueue', queue('payroll'))).toBe(
      false,
    );
    expect(
      await allowed(
        'CloudFormationExecutionRole',
        'iam:PutRolePolicy',
        `arn:aws:iam::${site.accountId}:role/admin`,
      ),
    ).toBe(false);
    // A type the templates do not contain is not granted.
    expect(
      await allowed(
        'CloudFormationExecutionRole',
        'dynamodb:CreateTable',
        `arn:aws:dynamodb:${site.region}:${site.accountId}:table/zqx-ledger-dev-t`,
      ),
    ).toBe(false);
  });

  it('refuses to derive a role for a resource type it does not know, naming the type', () => {
    expect(() => executionActions(['AWS::SQS::Queue', 'AWS::Zqx::Widget'])).toThrow(
      /The templates create AWS::Zqx::Widget, which scripts\/deploy\/handler-permissions.ts does not know/,
    );
  });
});
