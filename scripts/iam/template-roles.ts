// The packaged template as the IAM observation reads it: every function with its role's
// statements, resolved to the ARNs its resources get from their names (the template names every
// table, queue, topic and log group: `${service}-${stage}-…`), and each table's partition key.
import { type Json, type Resolved, resolve } from './intrinsics.ts';

export interface Template {
  Resources: Record<string, { Type: string; Properties?: Json }>;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Json;
}

export interface FunctionRole {
  /** The deployed function's name (FunctionName). */
  name: string;
  /** Its key in serverless.yml, e.g. `storageWorker`: what a reader of the failure knows it by. */
  key: string;
  roleId: string;
  /** The role's inline policies, resolved, each statement with its policy's name. */
  policies: { name: string; statements: PolicyStatement[] }[];
}

/** Ref and attributes of each resource, as AWS forms them from the names the template gives. */
export function resolvedNames(
  template: Template,
  { region, accountId }: { region: string; accountId: string },
  known: Partial<Pick<Resolved, 'refs' | 'attributes'>> = {},
): Resolved {
  const by: Resolved = { region, accountId, refs: {}, attributes: {} };
  const arn = (service: string, rest: string) =>
    `arn:aws:${service}:${region}:${accountId}:${rest}`;
  const name = (value: Json, id: string): string => {
    try {
      return value === undefined ? id : String(resolve(value, by));
    } catch {
      return id; // a name made of what is not resolved yet: only its own references use it
    }
  };
  for (const [id, { Type, Properties: p = {} }] of Object.entries(template.Resources)) {
    let ref = id;
    let attributes: Record<string, string> = {};
    if (Type === 'AWS::DynamoDB::Table') {
      ref = name(p.TableName, id);
      const tableArn = arn('dynamodb', `table/${ref}`);
      attributes = { Arn: tableArn, StreamArn: `${tableArn}/stream/*` };
    } else if (Type === 'AWS::SQS::Queue') {
      const queue = name(p.QueueName, id);
      ref = `https://sqs.${region}.amazonaws.com/${accountId}/${queue}`;
      attributes = { Arn: arn('sqs', queue), QueueName: queue, QueueUrl: ref };
    } else if (Type === 'AWS::SNS::Topic') {
      ref = arn('sns', name(p.TopicName, id));
      attributes = { TopicArn: ref, TopicName: name(p.TopicName, id) };
    } else if (Type === 'AWS::Logs::LogGroup') {
      ref = name(p.LogGroupName, id);
      attributes = { Arn: arn('logs', `log-group:${ref}:*`) };
    } else if (Type === 'AWS::Lambda::Function') {
      ref = name(p.FunctionName, id);
      attributes = { Arn: arn('lambda', `function:${ref}`) };
    } else if (Type === 'AWS::IAM::Role') {
      ref = name(p.RoleName, id);
      attributes = { Arn: `arn:aws:iam::${accountId}:role/${ref}`, RoleId: ref };
    } else if (Type === 'AWS::KMS::Key') {
      attributes = { Arn: arn('kms', `key/${id}`), KeyId: id };
    }
    by.refs[id] = known.refs?.[id] ?? ref;
    by.attributes[id] = { ...attributes, ...known.attributes?.[id] };
  }
  return by;
}

/** Every function of the template with its role's resolved statements. */
export function functionRoles(template: Template, by: Resolved): FunctionRole[] {
  const functions = Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function',
  );
  return functions.map(([id, r]) => {
    const name = String(resolve(r.Properties.FunctionName ?? id, by));
    const roleId: string = r.Properties.Role?.['Fn::GetAtt']?.[0] ?? String(r.Properties.Role);
    const policies: { PolicyName: string; PolicyDocument: { Statement: Json[] } }[] =
      template.Resources[roleId]?.Properties?.Policies ?? [];
    return {
      name,
      // osls names a function `${service}-${stage}-${key}` and its resource `${Key}LambdaFunction`.
      key: id.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase()),
      roleId,
      policies: policies.map((p) => ({
        name: p.PolicyName,
        statements: [p.PolicyDocument.Statement].flat().map((s) => resolve(s, by)),
      })),
    };
  });
}

/** The partition key attribute of each table, by its resolved name. */
export function hashKeys(template: Template, by: Resolved): Record<string, string> {
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
      .map(([id, r]) => [
        by.refs[id] as string,
        (r.Properties.KeySchema as { AttributeName: string; KeyType: string }[]).find(
          (k) => k.KeyType === 'HASH',
        )?.AttributeName as string,
      ]),
  );
}
