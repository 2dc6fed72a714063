import { randomUUID } from 'node:crypto';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { clientConfig } from './function-under-role.ts';

// The tier proves something only if moto really refuses. For every role of the template, called
// directly (its "probe" session, counted apart from what the functions use) on every queue and
// table of the stack: refused exactly where its statements grant nothing. Reads any role may try;
// writes only where they would be refused, so no probe leaves anything behind.
const stack = inject('iamStack');
const roles = [...new Set(Object.values(stack.functions).map((f) => f.role))];
const probe = (role: string) =>
  clientConfig(
    stack,
    Object.values(stack.functions).find((f) => f.role === role)?.probeCredentials,
  );

/** The error's name (AccessDeniedException …), or undefined when the call was allowed. */
const refusal = (call: Promise<unknown>): Promise<string | undefined> =>
  call.then(
    () => undefined,
    (error: Error) => error.name,
  );

const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);

/** Whether the role's Allow statements name this action on this resource (conditions aside). */
const grants = (role: string, action: string, resource: string) =>
  (stack.statements[role] ?? []).some(
    (s) =>
      s.Effect === 'Allow' &&
      [s.Action].flat().some((a) => glob(a, action)) &&
      [s.Resource].flat().some((r) => glob(String(r), resource)),
  );

const queues = stack.created['AWS::SQS::Queue'] ?? [];
const tables = stack.created['AWS::DynamoDB::Table'] ?? [];
const expected = (granted: boolean) =>
  granted ? undefined : expect.stringMatching(/AccessDenied/);

describe('moto refuses what a role does not grant', () => {
  it('refuses unknown credentials', async () => {
    const stranger = new SQSClient({
      ...clientConfig(stack),
      credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'unknown' },
    });
    expect(await refusal(stranger.send(new ListQueuesCommand({})))).toMatch(
      /UnrecognizedClient|InvalidClientTokenId/,
    );
  });

  it.each(roles)('%s: queues it is not granted refuse it', async (role) => {
    const sqs = new SQSClient(probe(role));
    for (const queue of queues) {
      const QueueUrl = stack.refs[queue] as string;
      const arn = stack.attributes[queue]?.Arn as string;
      const read = grants(role, 'sqs:GetQueueAttributes', arn);
      expect(
        await refusal(sqs.send(new GetQueueAttributesCommand({ QueueUrl }))),
        `${role} sqs:GetQueueAttributes ${queue}`,
      ).toEqual(expected(read));
      if (!grants(role, 'sqs:SendMessage', arn))
        expect(
          await refusal(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'probe' }))),
          `${role} sqs:SendMessage ${queue}`,
        ).toEqual(expected(false));
    }
  });

  it.each(roles)('%s: tables it is not granted refuse it', async (role) => {
    const dynamo = new DynamoDBClient(probe(role));
    const admin = new DynamoDBClient(clientConfig(stack));
    for (const table of tables) {
      const TableName = stack.refs[table] as string;
      const arn = stack.attributes[table]?.Arn as string;
      const { Table } = await admin.send(new DescribeTableCommand({ TableName }));
      const hashKey = Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName as string;
      const Key = { [hashKey]: { S: `probe-${randomUUID()}` } };
      expect(
        await refusal(dynamo.send(new GetItemCommand({ TableName, Key }))),
        `${role} dynamodb:GetItem ${table}`,
      ).toEqual(expected(grants(role, 'dynamodb:GetItem', arn)));
      if (!grants(role, 'dynamodb:PutItem', arn))
        expect(
          await refusal(dynamo.send(new PutItemCommand({ TableName, Item: Key }))),
          `${role} dynamodb:PutItem ${table}`,
        ).toEqual(expected(false));
    }
  });
});
