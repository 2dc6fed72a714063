// The IAM tier's stack in moto: what the scenarios touch, created from the packaged template by an
// admin identity while moto still accepts anything, then moto told to enforce IAM. Every function
// gets its role (the template's trust policy and inline policies, with Ref/GetAtt/Sub resolved to
// the moto resources' real names and ARNs), assumed with sts:AssumeRole for its credentials.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  functionsOf,
  type Statement as PolicyStatement,
  policiesOf,
  type Resolved,
  resolve,
  type Template,
} from './template.ts';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface DeployedFunction {
  handler: string;
  /** The role's logical id, which is also its name in moto. */
  role: string;
  /** The template's environment, resolved; string values only, as Lambda gives them. */
  environment: Record<string, string>;
  /** The role's credentials for the function itself (session "function"). */
  credentials: Credentials;
  /** The same role, another session: direct calls of the negative checks, counted apart. */
  probeCredentials: Credentials;
}

export interface IamStack {
  endpoint: string;
  region: string;
  accountId: string;
  admin: Credentials;
  /** By the function's logical id. */
  functions: Record<string, DeployedFunction>;
  /** Ref of every created resource by logical id: queue URL, topic ARN, table name … */
  refs: Record<string, string>;
  attributes: Record<string, Record<string, string>>;
  /** Each role's statements as put into moto (resolved), by the role's logical id. */
  statements: Record<string, PolicyStatement[]>;
  /** Logical ids of the queues and tables created, by type. */
  created: Record<string, string[]>;
}

const REGION = 'us-east-1';
const CREATED_TYPES = new Set([
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::Logs::LogGroup',
  'AWS::IAM::Role',
  'AWS::SNS::Subscription',
]);

class Unresolved extends Error {}

export async function deployForIam(template: Template, endpoint: string): Promise<IamStack> {
  const bootstrap = { accessKeyId: 'iam-tier-bootstrap', secretAccessKey: 'iam-tier-bootstrap' };
  const iamAdmin = new IAMClient({ endpoint, region: REGION, credentials: bootstrap });
  await iamAdmin.send(new CreateUserCommand({ UserName: 'iam-tier-admin' }));
  await iamAdmin.send(
    new PutUserPolicyCommand({
      UserName: 'iam-tier-admin',
      PolicyName: 'administrator',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  const { AccessKey } = await iamAdmin.send(
    new CreateAccessKeyCommand({ UserName: 'iam-tier-admin' }),
  );
  if (!AccessKey?.AccessKeyId || !AccessKey.SecretAccessKey)
    throw new Error('moto returned no access key');
  const admin = { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
  const config = { endpoint, region: REGION, credentials: admin };
  const iam = new IAMClient(config);
  const sts = new STSClient(config);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const dynamo = new DynamoDBClient(config);
  const { Account: accountId } = await sts.send(new GetCallerIdentityCommand({}));
  if (!accountId) throw new Error('moto returned no account id');

  const by: Resolved = { accountId, region: REGION, refs: {}, attributes: {} };
  const resolved = (value: unknown) => {
    try {
      return resolve(value, by);
    } catch {
      throw new Unresolved();
    }
  };

  // Only the properties the emulator needs are resolved (an alarm topic's key is not created).
  const USED: Record<string, string[]> = {
    'AWS::SNS::Topic': ['TopicName'],
    'AWS::SQS::Queue': [
      'QueueName',
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'RedrivePolicy',
    ],
    'AWS::DynamoDB::Table': [
      'TableName',
      'AttributeDefinitions',
      'KeySchema',
      'StreamSpecification',
    ],
    'AWS::Logs::LogGroup': ['LogGroupName'],
    'AWS::IAM::Role': ['AssumeRolePolicyDocument'],
    'AWS::SNS::Subscription': [
      'TopicArn',
      'Protocol',
      'Endpoint',
      'RawMessageDelivery',
      'FilterPolicy',
      'FilterPolicyScope',
    ],
  };
  async function create(id: string, type: string, properties: Record<string, unknown>) {
    const p = resolved(
      Object.fromEntries((USED[type] ?? []).map((name) => [name, properties[name]])),
    );
    switch (type) {
      case 'AWS::SNS::Topic': {
        const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: p.TopicName ?? id }));
        by.refs[id] = TopicArn as string;
        by.attributes[id] = { TopicArn: TopicArn as string, TopicName: p.TopicName ?? id };
        return;
      }
      case 'AWS::SQS::Queue': {
        const attributes: Record<string, string> = {};
        for (const name of ['VisibilityTimeout', 'MessageRetentionPeriod', 'RedrivePolicy'])
          if (p[name] !== undefined)
            attributes[name] =
              typeof p[name] === 'object' ? JSON.stringify(p[name]) : String(p[name]);
        const { QueueUrl } = await sqs.send(
          new CreateQueueCommand({ QueueName: p.QueueName ?? id, Attributes: attributes }),
        );
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
        );
        by.refs[id] = QueueUrl as string;
        by.attributes[id] = {
          Arn: Attributes?.QueueArn as string,
          QueueName: p.QueueName ?? id,
          QueueUrl: QueueUrl as string,
        };
        return;
      }
      case 'AWS::DynamoDB::Table': {
        const { TableDescription } = await dynamo.send(
          new CreateTableCommand({
            TableName: p.TableName ?? id,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: p.AttributeDefinitions,
            KeySchema: p.KeySchema,
            ...(p.StreamSpecification
              ? { StreamSpecification: { StreamEnabled: true, ...p.StreamSpecification } }
              : {}),
          }),
        );
        by.refs[id] = p.TableName ?? id;
        by.attributes[id] = {
          Arn: TableDescription?.TableArn as string,
          ...(TableDescription?.LatestStreamArn
            ? { StreamArn: TableDescription.LatestStreamArn }
            : {}),
        };
        return;
      }
      case 'AWS::Logs::LogGroup': {
        // Written by the Lambda service, never by our code: its ARN is enough for the policies.
        const name = p.LogGroupName ?? id;
        by.refs[id] = name;
        by.attributes[id] = { Arn: `arn:aws:logs:${REGION}:${accountId}:log-group:${name}:*` };
        return;
      }
      case 'AWS::IAM::Role': {
        const { Role } = await iam.send(
          new CreateRoleCommand({
            RoleName: id,
            AssumeRolePolicyDocument: JSON.stringify(p.AssumeRolePolicyDocument),
          }),
        );
        by.refs[id] = id;
        by.attributes[id] = { Arn: Role?.Arn as string };
        return;
      }
      case 'AWS::SNS::Subscription': {
        const attributes: Record<string, string> = {};
        for (const name of ['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope'])
          if (p[name] !== undefined)
            attributes[name] =
              typeof p[name] === 'object' ? JSON.stringify(p[name]) : String(p[name]);
        const { SubscriptionArn } = await sns.send(
          new SubscribeCommand({
            TopicArn: p.TopicArn,
            Protocol: p.Protocol,
            Endpoint: p.Endpoint,
            Attributes: attributes,
          }),
        );
        by.refs[id] = SubscriptionArn as string;
      }
    }
  }

  // Create in dependency order: whatever resolves now, until everything has.
  let pending = Object.entries(template.Resources).filter(([, r]) => CREATED_TYPES.has(r.Type));
  while (pending.length) {
    const next: typeof pending = [];
    for (const entry of pending) {
      const [id, r] = entry;
      try {
        // A role's policies come after every resource exists; its ARN is needed earlier.
        await create(id, r.Type, r.Properties ?? {});
      } catch (error) {
        if (!(error instanceof Unresolved)) throw error;
        next.push(entry);
      }
    }
    if (next.length === pending.length)
      throw new Error(`The IAM tier cannot create ${next.map(([id]) => id).join(', ')}`);
    pending = next;
  }

  const functions: Record<string, DeployedFunction> = {};
  const statements: Record<string, PolicyStatement[]> = {};
  const roles = new Map<string, { function: Credentials; probe: Credentials }>();
  for (const fn of functionsOf(template)) {
    if (!roles.has(fn.role)) {
      statements[fn.role] = [];
      for (const [PolicyName, Statement] of Object.entries(policiesOf(template, fn.role))) {
        statements[fn.role]?.push(...resolve(Statement, by));
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: fn.role,
            PolicyName,
            PolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: asMotoAuthorizes(resolve(Statement, by)),
            }),
          }),
        );
      }
      const assume = async (session: string): Promise<Credentials> => {
        const { Credentials: c } = await sts.send(
          new AssumeRoleCommand({
            RoleArn: by.attributes[fn.role]?.Arn,
            RoleSessionName: session,
          }),
        );
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
          throw new Error(`AssumeRole ${fn.role} returned no credentials`);
        return {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
        };
      };
      roles.set(fn.role, { function: await assume('function'), probe: await assume('probe') });
    }
    const credentials = roles.get(fn.role) as { function: Credentials; probe: Credentials };
    functions[fn.id] = {
      handler: fn.handler,
      role: fn.role,
      environment: Object.fromEntries(
        Object.entries(resolve(fn.environment, by) as Record<string, unknown>).map(([k, v]) => [
          k,
          String(v),
        ]),
      ),
      credentials: credentials.function,
      probeCredentials: credentials.probe,
    };
  }

  // From here on moto authenticates every request and checks it against the caller's policies.
  const reset = await fetch(new URL('/moto-api/reset-auth', endpoint), {
    method: 'POST',
    body: '0',
  });
  if (!reset.ok) throw new Error(`${endpoint} is not a moto server that can enforce IAM`);
  const created: Record<string, string[]> = {};
  for (const [id, r] of Object.entries(template.Resources))
    if (CREATED_TYPES.has(r.Type)) created[r.Type] = [...(created[r.Type] ?? []), id];
  return { endpoint, admin, functions, statements, created, ...by };
}

const ITEM_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
const STREAM_READS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];
/**
 * Where moto's authorization differs from AWS's, in the emulator's copy of a role only (the
 * template is unchanged, and the observer checks every call as AWS does: scripts/iam/aws-calls.ts):
 * - moto authorizes a TransactWriteItems call as one action, `dynamodb:TransactWriteItems`, which
 *   AWS does not have (AWS authorizes each item as the action it performs, on its table): a
 *   policy that allows item writes also allows that action here;
 * - moto authorizes DynamoDB Streams calls against the resource `*`, not the stream's ARN: a
 *   policy that allows stream reads on a stream allows them on `*` here.
 */
function asMotoAuthorizes(statements: PolicyStatement[]): PolicyStatement[] {
  const allowed = statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => [s.Action].flat().map(String));
  const unscoped = [
    ...(allowed.some((a) => ITEM_WRITES.includes(a)) ? ['dynamodb:TransactWriteItems'] : []),
    ...allowed.filter((a) => STREAM_READS.includes(a)),
  ];
  if (!unscoped.length) return statements;
  return [...statements, { Effect: 'Allow', Action: unscoped, Resource: '*' } as PolicyStatement];
}
