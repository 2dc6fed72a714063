import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerOf, type IamObserver, startIamObserver } from './observer.ts';
import type { FunctionRole } from './template-roles.ts';

// A stand-in for the emulator: who the caller is (STS), a table's key schema, and an answer to
// anything else; the observer only forwards to it.
const upstream = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    if (body.includes('GetCallerIdentity')) {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<GetCallerIdentityResponse><GetCallerIdentityResult><Account>111122223333</Account><Arn>arn:aws:iam::111122223333:root</Arn><UserId>x</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>',
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(
      req.headers['x-amz-target'] === 'DynamoDB_20120810.DescribeTable'
        ? JSON.stringify({ Table: { KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }] } })
        : '{}',
    );
  });
});
let observer: IamObserver;
const role: FunctionRole = {
  name: 'shop-dev-ordersWorker',
  key: 'ordersWorker',
  roleId: 'OrdersWorkerRole',
  policies: [
    {
      name: 'orders',
      statements: [
        {
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders',
        },
      ],
    },
  ],
};

beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  observer = await startIamObserver({ target: `http://127.0.0.1:${port}` });
});
afterAll(async () => {
  await observer.close();
  upstream.close();
});

const call = (operation: string, agent: string) =>
  fetch(observer.url, {
    method: 'POST',
    headers: {
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-user-agent': agent,
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
    },
    body: JSON.stringify({ TableName: 'orders', Key: { orderId: { S: 'o-1' } } }),
  });

describe('the IAM observer', () => {
  it('knows the caller by the app id in the SDK user agent, with what Powertools appends', () => {
    expect(callerOf({ 'user-agent': 'aws-sdk-js/3 app/shop-dev-ordersWorker md/x' })).toBe(
      'shop-dev-ordersWorker',
    );
    expect(callerOf({ 'user-agent': 'aws-sdk-js/3 ua/2.1' })).toBeUndefined();
  });

  it('forwards every call, and fails the check naming a call the role would deny', async () => {
    expect((await call('GetItem', 'aws-sdk-js/3 app/shop-dev-ordersWorker-PT-NO-OP')).ok).toBe(
      true,
    );
    expect((await call('DeleteItem', 'aws-sdk-js/3 app/shop-dev-ordersWorker')).ok).toBe(true);
    const report = await observer.check([role]);
    expect(report.checked).toEqual({ ordersWorker: 2 });
    expect(report.denied).toHaveLength(1);
    expect(report.denied[0]).toMatch(
      /^ordersWorker \(role OrdersWorkerRole\) would be denied dynamodb:DeleteItem on arn:aws:dynamodb:us-east-1:111122223333:table\/orders with dynamodb:LeadingKeys=\["o-1"\]/,
    );
    await expect(observer.assertAllowed([role])).rejects.toThrow(/1 call\(s\)/);
  });

  it('refuses to judge a call from no named function rather than pass it', async () => {
    observer.reset();
    await call('GetItem', 'aws-sdk-js/3');
    expect((await observer.check([role])).denied).toEqual([
      'a dynamodb:GetItem call from no named function (no app/<name> in its user agent)',
    ]);
  });
});
