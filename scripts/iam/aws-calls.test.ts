import { describe, expect, it } from 'vitest';
import { callsOf } from './aws-calls.ts';

const signed = (service: string, target?: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=AKID/20261203/eu-west-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
  ...(target && { 'x-amz-target': target }),
});
const keys: Record<string, string> = { orders: 'orderId', idem: 'id' };
const read = (service: string, target: string | undefined, body: unknown) =>
  callsOf(
    signed(service, target),
    typeof body === 'string' ? body : JSON.stringify(body),
    '111122223333',
    (t) => keys[t],
  );

describe('callsOf: what IAM authorizes a request as', () => {
  it('a DynamoDB item call, on its table, with its partition key as dynamodb:LeadingKeys', () => {
    const { calls } = read('dynamodb', 'DynamoDB_20120810.UpdateItem', {
      TableName: 'orders',
      Key: { orderId: { S: 'o-1' } },
    });
    expect(calls).toEqual([
      {
        action: 'dynamodb:UpdateItem',
        resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders',
        context: { 'dynamodb:LeadingKeys': ['o-1'] },
      },
    ]);
  });

  it('a transaction as the action of each item, per table', () => {
    const { calls } = read('dynamodb', 'DynamoDB_20120810.TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 'orders', Item: { orderId: { S: 'o-1' }, total: { N: '3' } } } },
        { ConditionCheck: { TableName: 'idem', Key: { id: { S: 'k#1' } } } },
      ],
    });
    expect(calls?.map((c) => [c.action, c.resource.split('/')[1], c.context])).toEqual([
      ['dynamodb:PutItem', 'orders', { 'dynamodb:LeadingKeys': ['o-1'] }],
      ['dynamodb:ConditionCheckItem', 'idem', { 'dynamodb:LeadingKeys': ['k#1'] }],
    ]);
  });

  it('an SQS call on the queue its URL names; a batch as its single action', () => {
    const { calls } = read('sqs', 'AmazonSQS.DeleteMessageBatch', {
      QueueUrl: 'http://127.0.0.1:4566/000000000000/orders-dlq',
      Entries: [],
    });
    expect(calls).toEqual([
      {
        action: 'sqs:DeleteMessage',
        resource: 'arn:aws:sqs:eu-west-1:111122223333:orders-dlq',
        context: {},
      },
    ]);
  });

  it('an SNS publish in the query protocol, on its topic', () => {
    const topic = 'arn:aws:sns:eu-west-1:111122223333:events';
    const { calls } = read(
      'sns',
      undefined,
      `Action=Publish&TopicArn=${encodeURIComponent(topic)}&Message=x`,
    );
    expect(calls).toEqual([{ action: 'sns:Publish', resource: topic, context: {} }]);
  });

  it('an SSM parameter as its ARN, without the name’s leading slash doubled', () => {
    const { calls } = read('ssm', 'AmazonSSM.GetParameter', { Name: '/svc/dev/targets' });
    expect(calls?.[0]?.resource).toBe(
      'arn:aws:ssm:eu-west-1:111122223333:parameter/svc/dev/targets',
    );
  });

  it('a query on an index, on the index, with only its partition key as dynamodb:LeadingKeys', () => {
    const { calls } = read('dynamodb', 'DynamoDB_20120810.Query', {
      TableName: 'orders',
      IndexName: 'by-customer',
      KeyConditionExpression: '#k = :k AND createdAt > :since',
      ExpressionAttributeNames: { '#k': 'orderId' },
      ExpressionAttributeValues: { ':k': { S: 'o-1' }, ':since': { S: '2026' } },
    });
    expect(calls).toEqual([
      {
        action: 'dynamodb:Query',
        resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders/index/by-customer',
        context: { 'dynamodb:LeadingKeys': ['o-1'] },
      },
    ]);
  });

  it('an item call on a table whose key schema is unknown is not judged (never passed without its keys)', () => {
    const { calls } = read('dynamodb', 'DynamoDB_20120810.PutItem', {
      TableName: 'unknown',
      Item: { pk: { S: 'x' } },
    });
    expect(calls).toBeUndefined();
  });

  it('a CloudFormation call on the stack it names (the deployer’s), ValidateTemplate on none', () => {
    expect(
      read('cloudformation', undefined, 'Action=UpdateStack&StackName=zq-svc-pr-7').calls,
    ).toEqual([
      {
        action: 'cloudformation:UpdateStack',
        resource: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/zq-svc-pr-7/observed',
        context: {},
      },
    ]);
    expect(
      read('cloudformation', undefined, 'Action=ValidateTemplate&TemplateURL=x').calls,
    ).toEqual([{ action: 'cloudformation:ValidateTemplate', resource: '*', context: {} }]);
  });

  it('an S3 REST call from its method, path and sub-resource; DeleteObjects per key', () => {
    const s3 = (method: string, url: string, body = '') =>
      callsOf(signed('s3'), body, '111122223333', () => undefined, { method, url }).calls;
    const object = (action: string, key: string) => ({
      action: `s3:${action}`,
      resource: `arn:aws:s3:::zq-bucket/${key}`,
      context: {},
    });
    expect(s3('PUT', '/zq-bucket/serverless/zq/a%20b.zip')).toEqual([
      object('PutObject', 'serverless/zq/a b.zip'),
    ]);
    expect(s3('GET', '/zq-bucket?list-type=2&prefix=serverless')).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::zq-bucket', context: {} },
    ]);
    expect(s3('GET', '/zq-bucket?location')).toEqual([
      { action: 's3:GetBucketLocation', resource: 'arn:aws:s3:::zq-bucket', context: {} },
    ]);
    expect(
      s3(
        'POST',
        '/zq-bucket?delete',
        '<Delete><Object><Key>k1</Key></Object><Object><Key>k2</Key></Object></Delete>',
      ),
    ).toEqual([object('DeleteObject', 'k1'), object('DeleteObject', 'k2')]);
    expect(s3('PUT', '/zq-bucket?policy')).toBeUndefined(); // not read: named, never passed
  });

  it('sts:GetCallerIdentity needs no permission: nothing to judge', () => {
    expect(read('sts', undefined, 'Action=GetCallerIdentity').calls).toEqual([]);
  });

  it('a service it cannot read yields no calls, so the check names it instead of passing it', () => {
    expect(
      read('kinesis', 'Kinesis_20131202.PutRecord', { StreamName: 's' }).calls,
    ).toBeUndefined();
  });
});
