import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CalculationFailed } from '../../events/calculation-failed.ts';
import type { Operation } from '../../events/calculation-fields.ts';
import type { CalculationRequested } from '../../events/calculation-requested.ts';
import type { EventOf } from '../../events/registry.ts';
import { documentClient } from '../../shared/aws/clients.ts';
import { PermanentError } from '../../shared/errors.ts';
import type { Change } from '../../shared/outbox.ts';
import { type CalculationStatus, statusOfEvent, WRITABLE_FROM } from './status.ts';

export interface CalculationRecord {
  calculationId: string;
  status: CalculationStatus;
  operation: Operation;
  a: string;
  b: string;
  result?: string;
  error?: CalculationFailed['error'];
  /** Who asked, when the HTTP API is authenticated (their JWT sub): only they may read it. */
  owner?: string;
  createdAt: string;
  updatedAt: string;
}

type CalculationEvent = EventOf<
  'calculation.requested' | 'calculation.completed' | 'calculation.failed'
>;

// Several attribute names (status, b, result, error) are DynamoDB reserved words.
const NAMES = { '#status': 'status', '#operation': 'operation', '#a': 'a', '#b': 'b' };

/** A record's operands are written once: every later event must carry the same ones. */
const SAME_OPERANDS = '#operation = :operation AND #a = :a AND #b = :b';
const sameOperands = (
  record: Pick<CalculationRecord, 'operation' | 'a' | 'b'>,
  data: Pick<CalculationRecord, 'operation' | 'a' | 'b'>,
) => record.operation === data.operation && record.a === data.a && record.b === data.b;

/** Another calculation under an existing id: it can never be applied, so it is dead-lettered. */
const conflict = (event: CalculationEvent) =>
  new PermanentError(
    'CONFLICTING_OPERANDS',
    `${event.type} ${event.id} carries other operands than calculation ${event.data.calculationId} has; a record's operands never change`,
  );

/** The condition that lets `incoming` be written, derived from the status-merge rule. */
function writableCondition(incoming: CalculationStatus) {
  const allowed = WRITABLE_FROM[incoming];
  const parts: string[] = [];
  const values: Record<string, string> = {};
  allowed.forEach((status, i) => {
    if (status === undefined) parts.push('attribute_not_exists(calculationId)');
    else {
      parts.push(`#status = :from${i}`);
      values[`:from${i}`] = status;
    }
  });
  return { expression: parts.join(' OR '), values };
}

// Built once: the conditions depend only on the rule, not on the event.
const OUTCOME_CONDITIONS = {
  completed: writableCondition('completed'),
  failed: writableCondition('failed'),
};

export function createCalculationStore(tableName: string) {
  /**
   * Apply an event with one conditional write. `requested` only fills in what is missing (it
   * never touches status or outcome once set); an outcome is written only while the merge rule
   * allows it. Returns whether the record changed.
   */
  async function apply(event: CalculationEvent): Promise<boolean> {
    const { data } = event;
    // `time` is optional in CloudEvents: without it, when the record learns of the event.
    const time = event.time ?? new Date().toISOString();
    const incoming = statusOfEvent[event.type];
    const common = { ':operation': data.operation, ':a': data.a, ':b': data.b, ':time': time };
    if (event.type === 'calculation.requested') {
      try {
        await documentClient().send(
          new UpdateCommand({
            TableName: tableName,
            Key: { calculationId: data.calculationId },
            UpdateExpression: `SET #status = if_not_exists(#status, :pending), #operation = :operation, #a = :a, #b = :b, createdAt = if_not_exists(createdAt, :time), updatedAt = if_not_exists(updatedAt, :time)${event.data.owner ? ', #owner = if_not_exists(#owner, :owner)' : ''}`,
            ConditionExpression: `attribute_not_exists(#a) OR (${SAME_OPERANDS})`,
            ExpressionAttributeNames: {
              ...NAMES,
              ...(event.data.owner ? { '#owner': 'owner' } : {}),
            },
            ExpressionAttributeValues: {
              ...common,
              ':pending': incoming,
              ...(event.data.owner ? { ':owner': event.data.owner } : {}),
            },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw conflict(event);
        throw error;
      }
      return true;
    }
    const condition = OUTCOME_CONDITIONS[statusOfEvent[event.type]];
    const outcome =
      event.type === 'calculation.completed'
        ? { set: '#result = :result', values: { ':result': event.data.result } }
        : { set: '#error = :error', values: { ':error': event.data.error } };
    try {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName,
          Key: { calculationId: data.calculationId },
          UpdateExpression: `SET #status = :status, ${outcome.set}, #operation = :operation, #a = :a, #b = :b, updatedAt = :time, createdAt = if_not_exists(createdAt, :time)`,
          ConditionExpression: `(${condition.expression}) AND (attribute_not_exists(#a) OR (${SAME_OPERANDS}))`,
          ExpressionAttributeNames: {
            ...NAMES,
            ...(event.type === 'calculation.failed'
              ? { '#error': 'error' }
              : { '#result': 'result' }),
          },
          ExpressionAttributeValues: {
            ...common,
            ...outcome.values,
            ...condition.values,
            ':status': incoming,
          },
          // A refused write answers with the record as it is: no read (and no read permission)
          // needed to tell a duplicate from a conflict.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The record already holds a final outcome (a duplicate or a late loser: nothing to do),
      // or other operands (another calculation under the same id: never merged into it).
      const record = error.Item && {
        operation: error.Item.operation?.S,
        a: error.Item.a?.S,
        b: error.Item.b?.S,
      };
      if (record && !sameOperands(record as typeof data, data)) throw conflict(event);
      return false;
    }
  }

  /**
   * A new calculation, pending: the write of a transaction (shared/outbox.ts), only if its id
   * is new. Its events are the transaction's other items.
   */
  function create(
    request: Pick<CalculationRequested, 'calculationId' | 'operation' | 'a' | 'b'> & {
      owner?: string;
      at: string;
    },
  ): Change {
    const { at, owner, ...fields } = request;
    const record: CalculationRecord = {
      ...fields,
      status: 'pending',
      ...(owner ? { owner } : {}),
      createdAt: at,
      updatedAt: at,
    };
    return {
      Put: {
        TableName: tableName,
        Item: record,
        ConditionExpression: 'attribute_not_exists(calculationId)',
      },
    };
  }

  async function get(
    calculationId: string,
    { consistent = false } = {},
  ): Promise<CalculationRecord | undefined> {
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName, Key: { calculationId }, ConsistentRead: consistent }),
    );
    return Item as CalculationRecord | undefined;
  }

  return { apply, create, get };
}
