// The one stack a team deploys by hand, once per AWS account (`npm run deploy:bootstrap`), so that
// CI deploys without long-lived keys — AWS's bootstrap pattern (CDK's bootstrap stack, SAM's
// pipeline bootstrap), for this service:
//  - GitHub's OIDC provider (unless the account has one: pass its ARN);
//  - a deploy role GitHub Actions assume with a short-lived token, trusted only for this
//    repository's pull requests and its `dev` and `prod` environments. It may drive
//    CloudFormation on this service's stacks, use their deployment buckets, and pass CloudFormation
//    the execution role — nothing else (DEPLOY_ACTIONS says why each action is there);
//  - the execution role CloudFormation assumes to create, update and delete the stacks'
//    resources (osls's provider.iam.deploymentRole): the handler permissions of the resource
//    types the packaged templates contain (execution-permissions.ts), scoped to this service.
import { type Json, type Resolved, resolve } from '../iam/intrinsics.ts';
import type { FunctionRole } from '../iam/template-roles.ts';
import { executionActions, type Statement, scopedStatements } from './execution-permissions.ts';

/**
 * The bootstrap stack's own name: outside `<service>-*`, the stacks the deploy role may change,
 * so CI can never widen its own rights.
 */
export const bootstrapStackName = (service: string) => `deploy-access-${service}`;

/** Where CI's token may come from: `repo:<owner>/<name>:<this>`. */
export const TRUSTED_SUBJECTS = ['pull_request', 'environment:dev', 'environment:prod'];

/** What `serverless deploy` and `serverless remove` ask of AWS themselves, and why. */
export const DEPLOY_ACTIONS: Array<{ why: string; actions: string[]; resources: string[] }> = [
  {
    why: "the service's stacks: create, update (change sets), read their state and events, delete",
    actions: [
      'cloudformation:CreateChangeSet',
      'cloudformation:CreateStack',
      'cloudformation:DeleteChangeSet',
      'cloudformation:DeleteStack',
      'cloudformation:DescribeChangeSet',
      'cloudformation:DescribeStackEvents',
      'cloudformation:DescribeStackResource',
      'cloudformation:DescribeStackResources',
      'cloudformation:DescribeStacks',
      'cloudformation:ExecuteChangeSet',
      'cloudformation:GetTemplate',
      'cloudformation:ListStackResources',
      'cloudformation:UpdateStack',
    ],
    resources: [
      'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${Service}-*/*',
    ],
  },
  {
    why: 'osls reads each deployed function (its code hash, to skip an unchanged one, and its info)',
    actions: ['lambda:GetFunction'],
    resources: [
      'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Service}-*',
    ],
  },
  {
    why: 'osls looks for the stage’s container image repository (serverless-<service>-<stage>) before a remove',
    actions: ['ecr:DescribeRepositories'],
    resources: [
      'arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/serverless-${Service}-*',
    ],
  },
  {
    why: 'ValidateTemplate acts on no resource IAM can name',
    actions: ['cloudformation:ValidateTemplate'],
    resources: ['*'],
  },
  {
    why: 'the deployment bucket the stack creates: upload the artifacts, list and prune old ones, empty it before a remove',
    actions: [
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:GetBucketLocation',
      's3:GetObject',
      's3:ListBucket',
      's3:ListBucketVersions',
      's3:PutObject',
    ],
    resources: [
      'arn:${AWS::Partition}:s3:::${Service}-*',
      'arn:${AWS::Partition}:s3:::${Service}-*/*',
    ],
  },
];

/** The bootstrap stack's template for packaged templates holding these resource types. */
export async function bootstrapTemplate(resourceTypes: Iterable<string>): Promise<Json> {
  const execution: Statement[] = await scopedStatements(executionActions(resourceTypes));
  const sub = (value: string) => (value === '*' ? value : { 'Fn::Sub': value });
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'Keyless deploys from GitHub Actions for one Serverless service: an OIDC provider, a deploy role and a CloudFormation execution role (npm run deploy:bootstrap).',
    Parameters: {
      Service: {
        Type: 'String',
        Description:
          "serverless.yml's `service`: every stack, bucket and resource it names starts with it",
        AllowedPattern: '^[a-z][a-z0-9-]*$',
      },
      GitHubRepository: {
        Type: 'String',
        Description: 'owner/name of the repository whose workflows may deploy',
        AllowedPattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$',
      },
      OidcProviderArn: {
        Type: 'String',
        Default: '',
        Description:
          "ARN of the account's GitHub OIDC provider, when it already has one (one per account)",
      },
    },
    Conditions: { CreateOidcProvider: { 'Fn::Equals': [{ Ref: 'OidcProviderArn' }, ''] } },
    Resources: {
      GitHubOidcProvider: {
        Type: 'AWS::IAM::OIDCProvider',
        Condition: 'CreateOidcProvider',
        Properties: {
          Url: 'https://token.actions.githubusercontent.com',
          ClientIdList: ['sts.amazonaws.com'],
        },
      },
      DeployRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: { 'Fn::Sub': '${Service}-github-deploy' },
          Description: 'Assumed by GitHub Actions (OIDC) to deploy and remove the service stacks',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: {
                  Federated: {
                    'Fn::If': [
                      'CreateOidcProvider',
                      { Ref: 'GitHubOidcProvider' },
                      { Ref: 'OidcProviderArn' },
                    ],
                  },
                },
                Action: 'sts:AssumeRoleWithWebIdentity',
                Condition: {
                  StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
                  'ForAnyValue:StringEquals': {
                    'token.actions.githubusercontent.com:sub': TRUSTED_SUBJECTS.map((s) =>
                      sub(`repo:\${GitHubRepository}:${s}`),
                    ),
                  },
                },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'deploy',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  ...DEPLOY_ACTIONS.map(({ actions, resources }) => ({
                    Effect: 'Allow',
                    Action: actions,
                    Resource: resources.map(sub),
                  })),
                  {
                    Effect: 'Allow',
                    Action: 'iam:PassRole',
                    Resource: { 'Fn::GetAtt': ['CloudFormationExecutionRole', 'Arn'] },
                    Condition: {
                      StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
                    },
                  },
                ],
              },
            },
          ],
        },
      },
      CloudFormationExecutionRole: {
        Type: 'AWS::IAM::Role',
        Metadata: {
          checkov: {
            skip: [
              {
                id: 'CKV_AWS_109',
                comment:
                  'CloudFormation creates the roles of the service functions (iam:PutRolePolicy …), only those named after the service',
              },
              {
                id: 'CKV_AWS_110',
                comment:
                  'Creating the functions’ roles is privilege management by nature; limited to roles named after the service, passed to its functions',
              },
              {
                id: 'CKV_AWS_111',
                comment:
                  'Write actions IAM cannot scope to a resource (kms:CreateKey, ec2:Describe*, …) take "*"; every other action is scoped to the service’s names',
              },
            ],
          },
        },
        Properties: {
          RoleName: { 'Fn::Sub': '${Service}-cfn-execution' },
          Description:
            "Assumed by CloudFormation to create, update and delete the service's resources",
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'cloudformation.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'resources',
              PolicyDocument: { Version: '2012-10-17', Statement: execution },
            },
          ],
        },
      },
    },
    Outputs: {
      DeployRoleArn: {
        Description: 'GitHub: the AWS_DEPLOY_ROLE_ARN variable',
        Value: { 'Fn::GetAtt': ['DeployRole', 'Arn'] },
      },
      ExecutionRoleArn: {
        Description: 'serverless.yml: provider.iam.deploymentRole (param deploymentRole)',
        Value: { 'Fn::GetAtt': ['CloudFormationExecutionRole', 'Arn'] },
      },
    },
  };
}

/** What a deployed bootstrap stack's names resolve to, for judging calls against its roles. */
export interface BootstrapSite {
  accountId: string;
  region: string;
  service: string;
  repository: string;
}

/** One of the bootstrap stack's roles, its policies resolved, as the IAM evaluator takes a role. */
export async function bootstrapRole(
  template: Json,
  roleId: 'DeployRole' | 'CloudFormationExecutionRole',
  site: BootstrapSite,
): Promise<FunctionRole> {
  const by: Resolved = {
    accountId: site.accountId,
    region: site.region,
    refs: { Service: site.service, GitHubRepository: site.repository, OidcProviderArn: '' },
    attributes: {
      DeployRole: { Arn: `arn:aws:iam::${site.accountId}:role/${site.service}-github-deploy` },
      CloudFormationExecutionRole: {
        Arn: `arn:aws:iam::${site.accountId}:role/${site.service}-cfn-execution`,
      },
    },
  };
  const role = (template.Resources as Json)[roleId];
  return {
    name: roleId,
    key: roleId,
    roleId,
    policies: (role.Properties.Policies as Json[]).map((p) => ({
      name: p.PolicyName,
      statements: resolve(p.PolicyDocument.Statement, by),
    })),
  };
}
