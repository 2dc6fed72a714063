// What an AWS request asks IAM for: each action it is authorized as, on which resource ARN, with
// the condition keys a role's statements may narrow it by (dynamodb:LeadingKeys). Read from the
// request as it crosses the endpoint — the protocol's own fields, nothing from the caller's code.
import type { IncomingHttpHeaders } from 'node:http';

export interface AwsCall {
  /** e.g. `dynamodb:UpdateItem`: the IAM action, which is not always the API operation's name. */
  action: string;
  resource: string;
  /** Condition keys with the values this request carries, e.g. dynamodb:LeadingKeys. */
  context: Record<string, string | string[]>;
}

export interface CallSite {
  region: string;
  accountId: string;
  /** The partition key attribute of a table, by table name (dynamodb:LeadingKeys needs it). */
  hashKeyOf: (table: string) => string | undefined;
}

/** The AWS service and operation of a signed request: SigV4 scope, then X-Amz-Target or Action=. */
export function operationOf(headers: IncomingHttpHeaders, body: string) {
  const scope = /Credential=[^/]+\/[^/]+\/([^/]+)\/([^/]+)\//.exec(headers.authorization ?? '');
  const target = headers['x-amz-target'];
  const operation =
    typeof target === 'string'
      ? (target.split('.').pop() ?? target)
      : (new URLSearchParams(body).get('Action') ?? 'unknown');
  return { region: scope?.[1] ?? 'us-east-1', service: scope?.[2] ?? 'unknown', operation };
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are the services' untyped JSON
type Json = any;

/** A request's parameters: JSON protocols' body, or the query protocol's form fields. */
function parametersOf(headers: IncomingHttpHeaders, body: string): Json {
  if (typeof headers['x-amz-target'] === 'string') return body ? JSON.parse(body) : {};
  const form = new URLSearchParams(body);
  return Object.fromEntries(form.entries());
}

/** The string value of a DynamoDB attribute as IAM sees it in dynamodb:LeadingKeys. */
const attributeText = (value: Json): string =>
  value && typeof value === 'object' ? String(Object.values(value)[0]) : String(value);

/** A table whose key schema could not be read: its calls cannot be judged, so none is passed. */
class UnknownKeySchema extends Error {}

/** The partition key values a query's KeyConditionExpression asks for (`key = :value`). */
function queriedKeys(input: Json, hashKey: string): Json[] {
  const names: Record<string, string> = input.ExpressionAttributeNames ?? {};
  const values: Record<string, Json> = input.ExpressionAttributeValues ?? {};
  const found: Json[] = [];
  for (const [, name, value] of String(input.KeyConditionExpression ?? '').matchAll(
    /([#\w.]+)\s*=\s*(:\w+)/g,
  )) {
    if ((names[name as string] ?? name) === hashKey && value && value in values)
      found.push({ [hashKey]: values[value] });
  }
  return found;
}

function dynamodbCalls(operation: string, input: Json, site: CallSite): AwsCall[] {
  const arn = (table: string) => `arn:aws:dynamodb:${site.region}:${site.accountId}:table/${table}`;
  const call = (action: string, table: string, keys: Json[]): AwsCall => {
    const hashKey = site.hashKeyOf(table);
    if (!hashKey && keys.length) throw new UnknownKeySchema(table);
    const leading = hashKey
      ? keys.filter((k) => k?.[hashKey] !== undefined).map((k) => attributeText(k[hashKey]))
      : [];
    return {
      action: `dynamodb:${action}`,
      resource: arn(table),
      context: leading.length ? { 'dynamodb:LeadingKeys': [...new Set(leading)] } : {},
    };
  };
  switch (operation) {
    case 'TransactWriteItems':
      // Authorized per item, as the action the item performs (AWS's TransactWriteItems rule).
      return (input.TransactItems ?? []).flatMap((item: Json) =>
        Object.entries(item).map(([kind, part]: [string, Json]) =>
          call(kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`, part.TableName, [
            part.Key ?? part.Item,
          ]),
        ),
      );
    case 'TransactGetItems':
      return (input.TransactItems ?? []).map((item: Json) =>
        call('GetItem', item.Get.TableName, [item.Get.Key]),
      );
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems ?? {}).map(([table, writes]) =>
        call(
          operation,
          table,
          (writes as Json[]).map((w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key),
        ),
      );
    case 'BatchGetItem':
      return Object.entries(input.RequestItems ?? {}).map(([table, read]) =>
        call(operation, table, (read as Json).Keys ?? []),
      );
    case 'Query':
    case 'Scan': {
      // An index is its own resource; a query's partition key is in its key condition.
      const hashKey = operation === 'Query' ? site.hashKeyOf(input.TableName) : undefined;
      if (operation === 'Query' && !hashKey) throw new UnknownKeySchema(input.TableName);
      const table = arn(input.TableName);
      const keys = hashKey ? queriedKeys(input, hashKey).map((k) => attributeText(k[hashKey])) : [];
      return [
        {
          action: `dynamodb:${operation}`,
          resource: input.IndexName ? `${table}/index/${input.IndexName}` : table,
          context: keys.length ? { 'dynamodb:LeadingKeys': [...new Set(keys)] } : {},
        },
      ];
    }
    default:
      if (typeof input.TableName !== 'string') return [];
      return [call(operation, input.TableName, [input.Key ?? input.Item].filter(Boolean))];
  }
}

const queueName = (url: string) => url.split('/').pop() ?? url;

function sqsCalls(operation: string, input: Json, site: CallSite): AwsCall[] {
  // A batch call is authorized as its single-message action.
  const action = operation.replace(/Batch$/, '');
  const name = input.QueueUrl ? queueName(input.QueueUrl) : input.QueueName;
  if (!name) return [];
  return [
    {
      action: `sqs:${action}`,
      resource: `arn:aws:sqs:${site.region}:${site.accountId}:${name}`,
      context: {},
    },
  ];
}

function snsCalls(operation: string, input: Json): AwsCall[] {
  const topic = input.TopicArn ?? input.TargetArn;
  if (!topic) return [];
  // PublishBatch is authorized as sns:Publish.
  return [{ action: `sns:${operation.replace(/Batch$/, '')}`, resource: topic, context: {} }];
}

function ssmCalls(operation: string, input: Json, site: CallSite): AwsCall[] {
  const arn = (name: string) =>
    `arn:aws:ssm:${site.region}:${site.accountId}:parameter/${name.replace(/^\//, '')}`;
  const names: string[] = input.Names ?? [input.Name ?? input.Path].filter(Boolean);
  return names.map((name) => ({ action: `ssm:${operation}`, resource: arn(name), context: {} }));
}

/** CloudFormation (the deployer's calls): on the stack a request names; "*" for the few on none. */
function cloudformationCalls(operation: string, input: Json, site: CallSite): AwsCall[] {
  const name: string | undefined = input.StackName;
  const resource = !name
    ? '*'
    : name.startsWith('arn:')
      ? name
      : `arn:aws:cloudformation:${site.region}:${site.accountId}:stack/${name}/observed`;
  if (
    !name &&
    !['ValidateTemplate', 'ListStacks', 'ListExports', 'DescribeStacks'].includes(operation)
  )
    return [];
  return [{ action: `cloudformation:${operation}`, resource, context: {} }];
}

/**
 * S3's REST protocol (the deployer's artifact uploads): the action from the method and the
 * sub-resource, on the bucket or object of the path (path-style: the endpoint is an address).
 */
function s3Calls(request: Request, body: string): AwsCall[] {
  const url = new URL(request.url, 'http://s3');
  const [bucket = '', ...rest] = url.pathname.replace(/^\//, '').split('/');
  const key = decodeURIComponent(rest.join('/'));
  const on = (action: string, resource: string) => [
    { action: `s3:${action}`, resource: `arn:aws:s3:::${resource}`, context: {} },
  ];
  const has = (param: string) => url.searchParams.has(param);
  if (!bucket)
    return request.method === 'GET'
      ? [{ action: 's3:ListAllMyBuckets', resource: '*', context: {} }]
      : [];
  if (key) {
    if (has('tagging') || has('acl') || has('uploads') || has('uploadId')) return [];
    if (request.method === 'PUT') return on('PutObject', `${bucket}/${key}`);
    if (request.method === 'GET' || request.method === 'HEAD')
      return on('GetObject', `${bucket}/${key}`);
    if (request.method === 'DELETE') return on('DeleteObject', `${bucket}/${key}`);
    return [];
  }
  if (request.method === 'POST' && has('delete'))
    // DeleteObjects is authorized as s3:DeleteObject on each key it names.
    return [...body.matchAll(/<Key>([^<]+)<\/Key>/g)].flatMap(([, k]) =>
      on('DeleteObject', `${bucket}/${k}`),
    );
  if (request.method === 'GET' && has('location')) return on('GetBucketLocation', bucket);
  if (request.method === 'GET' && has('versions')) return on('ListBucketVersions', bucket);
  if (
    (request.method === 'GET' || request.method === 'HEAD') &&
    [...url.searchParams.keys()].every((p) =>
      [
        'list-type',
        'prefix',
        'continuation-token',
        'max-keys',
        'delimiter',
        'start-after',
        'encoding-type',
        'marker',
        'x-id',
      ].includes(p),
    )
  )
    return on('ListBucket', bucket);
  return [];
}

/** Lambda's REST API (the deployer and npm run invoke read functions): action from method and path. */
function lambdaCalls(request: Request, site: CallSite): AwsCall[] {
  const { pathname } = new URL(request.url, 'http://lambda');
  const m = /^\/\d{4}-\d{2}-\d{2}\/functions\/([^/]+)(\/[a-z-]+)?\/?$/.exec(pathname);
  if (!m) return [];
  const name = decodeURIComponent(m[1] as string)
    .split(':')
    .pop() as string;
  const fn = name.startsWith('arn:')
    ? name
    : `arn:aws:lambda:${site.region}:${site.accountId}:function:${name}`;
  const actions: Record<string, string> = {
    'GET ': 'GetFunction',
    'GET /configuration': 'GetFunctionConfiguration',
    'GET /versions': 'ListVersionsByFunction',
    'GET /policy': 'GetPolicy',
  };
  const action = actions[`${request.method} ${m[2] ?? ''}`];
  return action ? [{ action: `lambda:${action}`, resource: fn, context: {} }] : [];
}

/** The method and URL of a REST request (S3), which its headers and body do not carry. */
export interface Request {
  method: string;
  url: string;
}

/**
 * The IAM requests one AWS API request makes, or undefined when this reader does not know the
 * service (the check then names the call as one it cannot judge, never passes it silently).
 */
export function callsOf(
  headers: IncomingHttpHeaders,
  body: string,
  accountId: string,
  hashKeyOf: CallSite['hashKeyOf'],
  request: Request = { method: 'POST', url: '/' },
): { service: string; operation: string; calls: AwsCall[] | undefined } {
  const { region, service, operation: named } = operationOf(headers, body);
  const site = { region, accountId, hashKeyOf };
  if (service === 's3') {
    const calls = s3Calls(request, body);
    const operation = `${request.method} ${new URL(request.url, 'http://s3').pathname}`;
    return { service, operation, calls: calls.length ? calls : undefined };
  }
  // REST-JSON services (Lambda, ECR's …) name no operation in the body: read it from the path.
  if (service === 'lambda') {
    const calls = lambdaCalls(request, site);
    const operation = `${request.method} ${new URL(request.url, 'http://lambda').pathname}`;
    return { service, operation, calls: calls.length ? calls : undefined };
  }
  const operation = named;
  // sts:GetCallerIdentity needs no permission: IAM cannot deny it.
  if (service === 'sts' && operation === 'GetCallerIdentity')
    return { service, operation, calls: [] };
  let input: Json;
  try {
    input = parametersOf(headers, body);
  } catch {
    return { service, operation, calls: undefined };
  }
  let calls: AwsCall[] | undefined;
  try {
    calls = readers[service]?.(operation, input, site);
  } catch (error) {
    if (error instanceof UnknownKeySchema) return { service, operation, calls: undefined };
    throw error;
  }
  return { service, operation, calls: calls?.length ? calls : undefined };
}

/** ECR (osls looks for the stage's image repository before a remove). */
function ecrCalls(operation: string, input: Json, site: CallSite): AwsCall[] {
  const names: string[] = input.repositoryNames ?? [];
  if (!names.length) return [{ action: `ecr:${operation}`, resource: '*', context: {} }];
  return names.map((name) => ({
    action: `ecr:${operation}`,
    resource: `arn:aws:ecr:${site.region}:${site.accountId}:repository/${name}`,
    context: {},
  }));
}

const readers: Record<string, (op: string, input: Json, site: CallSite) => AwsCall[]> = {
  cloudformation: cloudformationCalls,
  ecr: ecrCalls,
  dynamodb: dynamodbCalls,
  sqs: sqsCalls,
  sns: snsCalls,
  ssm: ssmCalls,
};
