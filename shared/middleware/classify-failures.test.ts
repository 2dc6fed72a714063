import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../errors.ts';
import { classifyFailures } from './classify-failures.ts';

const sqs = mockClient(SQSClient);
const DLQ = 'https://sqs.us-east-1.amazonaws.com/000000000000/orders-dlq';
const record = {
  messageId: 'msg-1',
  body: '{"hello":"world"}',
  messageAttributes: { type: { dataType: 'String', stringValue: 'calculation.requested' } },
} as unknown as SQSRecord;

const handlerThrowing = (error: unknown) =>
  middy(() => {
    throw error;
  }).use(
    classifyFailures({
      consumer: 'orders',
      deadLetterQueueUrl: DLQ,
      logger: new Logger({ logLevel: 'SILENT' }),
      maxReceiveCount: 5,
      sqs: new SQSClient({}),
    }),
  );

beforeEach(() => sqs.reset());

describe('classifyFailures', () => {
  it('sends a permanent failure to the DLQ with its reason and reports it handled', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });

    const response = await handlerThrowing(new PermanentError('RULE_BROKEN', 'never works'))(
      record as never,
      {} as never,
    );

    expect(response).toEqual({ deadLettered: true, code: 'RULE_BROKEN' });
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(DLQ);
    expect(sent?.MessageBody).toBe(record.body);
    expect(sent?.MessageAttributes).toMatchObject({
      'failure.code': { StringValue: 'RULE_BROKEN' },
      'failure.message': { StringValue: 'never works' },
      'failure.consumer': { StringValue: 'orders' },
      'failure.originalMessageId': { StringValue: 'msg-1' },
      type: { StringValue: 'calculation.requested' },
    });
  });

  it('keeps how often a redrive put the record back, so a letter that failed again says so', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-2' });
    const redriven = {
      ...record,
      messageAttributes: {
        ...record.messageAttributes,
        'redrive.count': { dataType: 'Number', stringValue: '2' },
      },
    };
    await handlerThrowing(new PermanentError('RULE_BROKEN', 'never works'))(
      redriven as never,
      {} as never,
    );
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes).toMatchObject({
      'redrive.count': { DataType: 'Number', StringValue: '2' },
    });
  });

  it('leaves a transient failure thrown, so the record is retried', async () => {
    await expect(
      handlerThrowing(new Error('socket hang up'))(record as never, {} as never),
    ).rejects.toThrow('socket hang up');
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('dead-letters a transient failure on its last receive, with its reason and attempts', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-2' });
    const lastReceive = { ...record, attributes: { ApproximateReceiveCount: '5' } };

    const response = await handlerThrowing(new Error('socket hang up'))(
      lastReceive as never,
      {} as never,
    );

    expect(response).toEqual({ deadLettered: true, code: 'Error' });
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes).toMatchObject({
      'failure.message': { StringValue: 'socket hang up' },
      'failure.attempts': { StringValue: '5' },
    });
  });

  it('rethrows a permanent failure when the DLQ send fails, so the record is not lost', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
    await expect(
      handlerThrowing(new PermanentError('RULE_BROKEN', 'never works'))(
        record as never,
        {} as never,
      ),
    ).rejects.toThrow('never works');
  });
});
