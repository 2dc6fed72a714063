import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Event, sqsBatch } from './events.ts';

// Storage, bare: every calculation event → one conditional write of the calculation's record
// (a status never regresses, operands never change), as the real store does.

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const TableName = process.env.CALCULATIONS_TABLE;
const SAME_OPERANDS = '#operation = :operation AND #a = :a AND #b = :b';

export const handler = sqsBatch(async (event: Event) => {
  const data = event.data as {
    calculationId: string;
    operation: string;
    a: string;
    b: string;
    result?: string;
    error?: unknown;
  };
  const time = event.time;
  const names = { '#status': 'status', '#operation': 'operation', '#a': 'a', '#b': 'b' };
  const values = { ':operation': data.operation, ':a': data.a, ':b': data.b, ':time': time };
  const Key = { calculationId: data.calculationId };
  if (event.type === 'calculation.requested') {
    await documents.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression:
          'SET #status = if_not_exists(#status, :pending), #operation = :operation, #a = :a, #b = :b, createdAt = if_not_exists(createdAt, :time), updatedAt = if_not_exists(updatedAt, :time)',
        ConditionExpression: `attribute_not_exists(#a) OR (${SAME_OPERANDS})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ':pending': 'pending' },
      }),
    );
    return;
  }
  const completed = event.type === 'calculation.completed';
  try {
    await documents.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: `SET #status = :status, ${completed ? '#result = :result' : '#error = :error'}, #operation = :operation, #a = :a, #b = :b, updatedAt = :time, createdAt = if_not_exists(createdAt, :time)`,
        ConditionExpression: `(attribute_not_exists(calculationId) OR #status = :pending) AND (attribute_not_exists(#a) OR (${SAME_OPERANDS}))`,
        ExpressionAttributeNames: {
          ...names,
          ...(completed ? { '#result': 'result' } : { '#error': 'error' }),
        },
        ExpressionAttributeValues: {
          ...values,
          ...(completed ? { ':result': data.result } : { ':error': data.error }),
          ':pending': 'pending',
          ':status': completed ? 'completed' : 'failed',
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Already final (a duplicate), or other operands: the real store dead-letters the latter.
    await documents.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
  }
});
