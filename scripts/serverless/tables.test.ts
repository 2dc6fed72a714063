import { describe, expect, it } from 'vitest';
import { describeTable, RELAY_HANDLER, tablesSchema } from './tables.ts';

const input = {
  service: 'zqx-shop',
  stage: 'qa',
  iam: { lambdaTrust: { trust: true }, publishToEncryptedTopic: { kms: true } },
  dlqAlarm: { Threshold: 0 },
  alarmActions: { Ref: 'AlertsTopic' },
};

describe('custom.tables', () => {
  it('builds a table alone: encrypted, recoverable, TTL, no stream and no relay without an outbox', () => {
    const { resources, functions } = describeTable(
      'zqx-orders',
      { partitionKey: 'orderId', sortKey: 'line' },
      input,
    );
    expect(Object.keys(resources)).toEqual(['ZqxOrdersTable']);
    expect(functions).toEqual({});
    expect(resources.ZqxOrdersTable?.Properties).toEqual({
      TableName: 'zqx-shop-qa-zqx-orders',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'line', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'line', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: false,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('adds, with an outbox, the stream, a relay filtered to new outbox items with bounded retries to a DLQ, its role and alarms', () => {
    const { resources, functions, outputs } = describeTable(
      'zqx-orders',
      { partitionKey: 'orderId', outbox: true, deletionProtection: 'true' },
      input,
    );
    const table = resources.ZqxOrdersTable?.Properties as Record<string, unknown>;
    expect(table.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(table.DeletionProtectionEnabled).toBe(true);
    const relay = functions.zqxOrdersOutboxRelay as {
      handler: string;
      role: string;
      events: { stream: Record<string, unknown> }[];
    };
    expect(relay.handler).toBe(RELAY_HANDLER);
    expect(relay.role).toBe('ZqxOrdersOutboxRelayRole');
    expect(relay.events[0]?.stream).toMatchObject({
      type: 'dynamodb',
      arn: { 'Fn::GetAtt': ['ZqxOrdersTable', 'StreamArn'] },
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 10,
      maximumRecordAgeInSeconds: 3600,
      filterPatterns: [
        { eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['outbox'] } } } },
      ],
      destinations: {
        onFailure: {
          arn: { 'Fn::GetAtt': ['ZqxOrdersOutboxDeadLetterQueue', 'Arn'] },
          type: 'sqs',
        },
      },
    });
    const role = resources.ZqxOrdersOutboxRelayRole?.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }[];
    };
    expect(role.Policies[0]?.PolicyDocument.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      [
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        { 'Fn::GetAtt': ['ZqxOrdersOutboxRelayLogGroup', 'Arn'] },
      ],
      [
        [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        { 'Fn::GetAtt': ['ZqxOrdersTable', 'StreamArn'] },
      ],
      ['sns:Publish', { Ref: 'EventsTopic' }],
      [undefined, undefined], // the encrypted topic's key, as serverless.yml declares it
      ['sqs:SendMessage', { 'Fn::GetAtt': ['ZqxOrdersOutboxDeadLetterQueue', 'Arn'] }],
    ]);
    expect(Object.keys(resources)).toEqual(
      expect.arrayContaining([
        'ZqxOrdersOutboxDeadLetterAlarm',
        'ZqxOrdersOutboxRelayErrorsAlarm',
        'ZqxOrdersOutboxIteratorAgeAlarm',
      ]),
    );
    expect(Object.keys(outputs)).toEqual([
      'ZqxOrdersTableName',
      'ZqxOrdersOutboxDeadLetterQueueUrl',
    ]);
  });

  it('refuses a key attribute an outbox item would overwrite', () => {
    for (const key of [
      tablesSchema.additionalProperties.properties.partitionKey,
      tablesSchema.additionalProperties.properties.sortKey,
    ])
      expect(key.not.enum).toEqual(expect.arrayContaining(['kind', 'type', 'body', 'expiresAt']));
  });

  it('accepts only the keys it knows, so a typo fails the deploy', () => {
    expect(tablesSchema.additionalProperties.additionalProperties).toBe(false);
    expect(Object.keys(tablesSchema.additionalProperties.properties).sort()).toEqual([
      'deletionProtection',
      'outbox',
      'partitionKey',
      'sortKey',
    ]);
  });
});
