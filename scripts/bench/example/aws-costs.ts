// Dollars per 1 million calculations, from AWS calls counted on the deployed local stack.
//
// AWS list prices, us-east-1, on-demand, no free tier, as published on the pages below (DynamoDB
// on-demand as cut on 2024-11-01). Written down on 2026-11-23 from the project's own knowledge —
// the machine that wrote them reaches no AWS page — so check the pages before quoting a figure.
//   Lambda      https://aws.amazon.com/lambda/pricing/         arm64 $0.0000133334 per GB-s, $0.20 per 1M requests
//   SNS         https://aws.amazon.com/sns/pricing/            $0.50 per 1M publishes (per 64 KB); SQS deliveries free
//   SQS         https://aws.amazon.com/sqs/pricing/            standard $0.40 per 1M requests (per 64 KB)
//   DynamoDB    https://aws.amazon.com/dynamodb/pricing/on-demand/  $0.625 per 1M write units, $0.125 per 1M read units
//   API Gateway https://aws.amazon.com/api-gateway/pricing/    HTTP API $1.00 per 1M requests (first 300M)
export const PRICES_USD = {
  checked: '2026-11-23',
  region: 'us-east-1',
  lambdaGbSecondArm64: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  snsPublish: 0.5 / 1e6,
  sqsRequest: 0.4 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  httpApiRequest: 1.0 / 1e6,
} as const;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
/**
 * Write units of one TransactWriteItems call of the example: a calculation and its outbox item,
 * each billed twice (a transactional write costs 2 units per item under 1 KB).
 */
const TRANSACTION_WRITE_UNITS = 4;

export interface CostInput {
  /** AWS calls the functions made per calculation, by `service:Operation`. */
  callsPerCalculation: Record<string, number>;
  /** Messages the event source mappings take from queues per calculation (each is received and deleted). */
  queueMessagesPerCalculation: number;
  /** Lambda invocations per calculation (HTTP request + one per queue message, at batches of one: the upper bound). */
  invocationsPerCalculation: number;
  /** Billed Lambda duration per invocation, ms. */
  msPerInvocation: number;
  memoryMb: number;
  /** HTTP API requests per calculation. */
  httpRequestsPerCalculation: number;
}

/** USD per 1 million calculations, by line item. Items under 1 KB: one unit per DynamoDB call. */
export function usdPerMillion(input: CostInput) {
  const per = (op: (key: string) => boolean) =>
    Object.entries(input.callsPerCalculation)
      .filter(([key]) => op(key))
      .reduce((sum, [, n]) => sum + n, 0);
  const operation = (key: string) => key.split(':')[1] ?? '';
  const million = 1e6;
  const lines = {
    lambdaRequests: input.invocationsPerCalculation * PRICES_USD.lambdaRequest * million,
    lambdaDuration:
      input.invocationsPerCalculation *
      (input.msPerInvocation / 1000) *
      (input.memoryMb / 1024) *
      PRICES_USD.lambdaGbSecondArm64 *
      million,
    // A Publish, or a PublishBatch up to 64 KB in all, is one billed request.
    sns: per((k) => k.startsWith('sns:Publish')) * PRICES_USD.snsPublish * million,
    // Calls the functions make (dead-lettering, backoff), plus the event source mapping's
    // ReceiveMessage and DeleteMessage per message.
    sqs:
      (per((k) => k.startsWith('sqs:')) + 2 * input.queueMessagesPerCalculation) *
      PRICES_USD.sqsRequest *
      million,
    dynamodb:
      ((per((k) => k.startsWith('dynamodb:') && WRITES.has(operation(k))) +
        per((k) => k === 'dynamodb:TransactWriteItems') * TRANSACTION_WRITE_UNITS) *
        PRICES_USD.dynamoWriteUnit +
        per((k) => k.startsWith('dynamodb:') && READS.has(operation(k))) *
          PRICES_USD.dynamoReadUnit) *
      million,
    httpApi: input.httpRequestsPerCalculation * PRICES_USD.httpApiRequest * million,
  };
  const total = Object.values(lines).reduce((a, b) => a + b, 0);
  return { ...lines, total };
}
