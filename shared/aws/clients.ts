import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../tracing.ts';

// The only place AWS clients are built. Region, credentials and AWS_ENDPOINT_URL come from the
// standard SDK chain, so the same code talks to real AWS, LocalStack or MiniStack.
// Built lazily and once per cold start: clients are reused across invocations. In a stage that
// traces, each call is a subsegment of the function's trace (shared/tracing.ts).

let sns: SNSClient | undefined;
let sqs: SQSClient | undefined;
let dynamo: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let idempotencyDynamo: DynamoDBClient | undefined;
let ssm: SSMClient | undefined;

export const snsClient = (): SNSClient => {
  sns ??= traced(new SNSClient({}));
  return sns;
};

export const sqsClient = (): SQSClient => {
  // Every call goes to the configured endpoint, also one for a queue URL read from config (a DLQ):
  // on AWS that is the same host; locally it keeps the calls behind a proxy in front of the emulator.
  sqs ??= traced(new SQSClient({ useQueueUrlAsEndpoint: false }));
  return sqs;
};

export const dynamoClient = (): DynamoDBClient => {
  dynamo ??= traced(new DynamoDBClient({}));
  return dynamo;
};

/**
 * DynamoDB for a consumer's idempotency records. Their writes decide whether a side effect happens
 * again (a webhook whose record is not marked done is sent again on redelivery), so they retry
 * harder than other calls (8 attempts instead of 3) before giving up. An HTTP function's records
 * do not need it: its caller retries a failed request, and a retry writes nothing twice when the
 * request's ids are kept (services/storage/request-ids.ts) — it keeps one client, not two.
 */
export const idempotencyDynamoClient = (): DynamoDBClient => {
  idempotencyDynamo ??= traced(new DynamoDBClient({ maxAttempts: 8 }));
  return idempotencyDynamo;
};

/** DynamoDB with plain JS values; numbers stay exact because we store decimals as strings. */
export const documentClient = (): DynamoDBDocumentClient => {
  documents ??= DynamoDBDocumentClient.from(dynamoClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documents;
};

export const ssmClient = (): SSMClient => {
  ssm ??= traced(new SSMClient({}));
  return ssm;
};
