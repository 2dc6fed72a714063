import { describe, expect, it } from 'vitest';
import { evaluateCall } from './evaluate.ts';
import type { FunctionRole } from './template-roles.ts';

const table = 'arn:aws:dynamodb:us-east-1:111122223333:table/idem';
const role: FunctionRole = {
  name: 'svc-dev-ordersWorker',
  key: 'ordersWorker',
  roleId: 'OrdersWorkerRole',
  policies: [
    {
      name: 'orders-worker',
      statements: [
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: table,
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['orders#*'] } },
        },
        {
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: 'arn:aws:sqs:*:111122223333:orders-*',
        },
      ],
    },
  ],
};
const judge = (action: string, resource: string, context = {}) =>
  evaluateCall(role, { action, resource, context }, '111122223333');

describe('evaluateCall: an observed call against the role, by an IAM policy evaluator', () => {
  it('allows what a statement grants, wildcards and conditions included', async () => {
    expect(
      await judge('dynamodb:PutItem', table, { 'dynamodb:LeadingKeys': ['orders#1'] }),
    ).toEqual({ allowed: true });
    expect(await judge('sqs:SendMessage', 'arn:aws:sqs:eu-west-1:111122223333:orders-dlq')).toEqual(
      { allowed: true },
    );
  });

  it('names the function, the call and the statement missing when no statement has the action', async () => {
    const verdict = await judge('dynamodb:UpdateItem', table, {
      'dynamodb:LeadingKeys': ['orders#1'],
    });
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toBe(
      `ordersWorker (role OrdersWorkerRole) would be denied dynamodb:UpdateItem on ${table} with dynamodb:LeadingKeys=["orders#1"] on AWS: no statement of OrdersWorkerRole allows dynamodb:UpdateItem — missing statement: { Effect: Allow, Action: dynamodb:UpdateItem, Resource: ${table} }`,
    );
  });

  it('says which statement’s condition refused another key', async () => {
    const verdict = await judge('dynamodb:GetItem', table, {
      'dynamodb:LeadingKeys': ['payments#1'],
    });
    expect(verdict.reason).toMatch(
      /orders-worker's statement for dynamodb:GetItem, dynamodb:PutItem on .* applies only when .*orders#\*/,
    );
  });

  it('says when a statement has the action but not the resource', async () => {
    const verdict = await judge('sqs:SendMessage', 'arn:aws:sqs:eu-west-1:111122223333:payments');
    expect(verdict.reason).toMatch(/does not cover this resource/);
  });
});
