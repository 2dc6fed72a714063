import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildCloudEvent } from '../../events/cloud-event.ts';
import { currentContract } from '../../events/registry.ts';
import {
  clientConfig,
  type FunctionUnderRole,
  functionUnderRole,
  pollOnce,
  pollStreamOnce,
} from './function-under-role.ts';

// The integration scenarios with every function's real handler under its own role from the
// packaged template, against moto enforcing IAM: a permission missing from a role makes a call
// fail with AccessDenied, and the step that needed it fails its assertion here.
const stack = inject('iamStack');
const admin = {
  sqs: new SQSClient(clientConfig(stack)),
  ssm: new SSMClient(clientConfig(stack)),
};

// A local webhook receiver: records what arrives, answers what `answer` says.
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let answer = (_body: string) => 204;
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(answer(body)).end();
  });
});
const target = `iam-${randomUUID().slice(0, 8)}`;
const secret = `whsec_${randomBytes(24).toString('base64')}`;

let outboxRelay: FunctionUnderRole;
let calculatorWorker: FunctionUnderRole;
let storageWorker: FunctionUnderRole;
let storageApi: FunctionUnderRole;
let notifierWorker: FunctionUnderRole;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  outboxRelay = await functionUnderRole(stack, 'CalculationsOutboxRelayLambdaFunction');
  calculatorWorker = await functionUnderRole(stack, 'CalculatorWorkerLambdaFunction');
  storageWorker = await functionUnderRole(stack, 'StorageWorkerLambdaFunction');
  storageApi = await functionUnderRole(stack, 'StorageApiLambdaFunction');
  // The stage's target list is configuration: here one local receiver, its secret where the
  // template says the notifier reads it.
  const notifier = stack.functions.NotifierWorkerLambdaFunction;
  await admin.ssm.send(
    new PutParameterCommand({
      Name: `${notifier?.environment.WEBHOOK_SECRETS_PATH}${target}`,
      Type: 'SecureString',
      Value: secret,
    }),
  );
  await admin.ssm.send(
    new PutParameterCommand({
      Name: notifier?.environment.WEBHOOK_TARGETS_PARAMETER,
      Type: 'String',
      Value: JSON.stringify([{ name: target, url: `http://127.0.0.1:${port}/hooks` }]),
    }),
  );
  notifierWorker = await functionUnderRole(stack, 'NotifierWorkerLambdaFunction', {
    WEBHOOK_ALLOW_HTTP: 'true', // the local receiver is plain http, as on the emulator stages
  });
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

const http = (
  method: string,
  path: string,
  {
    body,
    headers = {},
    pathParameters,
  }: {
    body?: unknown;
    headers?: Record<string, string>;
    pathParameters?: Record<string, string>;
  } = {},
) =>
  ({
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters,
    requestContext: { http: { method, path } },
  }) as unknown as APIGatewayProxyEventV2;

const typesOf = (messages: { MessageAttributes?: Record<string, { StringValue?: string }> }[]) =>
  messages.map((m) => m.MessageAttributes?.type?.StringValue).sort();

describe('the calculation flow, each function under its own role (moto enforcing IAM)', () => {
  it('publishes a request, calculates, stores, answers GET and notifies with a signed webhook', async () => {
    const key = randomUUID();
    const post = () =>
      storageApi.invoke<APIGatewayProxyStructuredResultV2>(
        http('POST', '/calculations', {
          body: { operation: 'add', a: '2', b: '3' },
          headers: { 'idempotency-key': key },
        }),
      );
    const accepted = await post();
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { calculationId } = JSON.parse(accepted.body ?? '{}');
    // A retried POST is answered from its idempotency record.
    const again = await post();
    expect(JSON.parse(again.body ?? '{}').calculationId).toBe(calculationId);
    // Readable at once: the request wrote it, pending.
    const pending = await storageApi.invoke<APIGatewayProxyStructuredResultV2>(
      http('GET', `/calculations/${calculationId}`, { pathParameters: { id: calculationId } }),
    );
    expect(JSON.parse(pending.body ?? '{}')).toMatchObject({ status: 'pending' });
    // The relay publishes calculation.requested from the table's stream.
    const relayed = await pollStreamOnce(stack, outboxRelay, 'CalculationsTable');
    expect(relayed.some((r) => r.dynamodb?.NewImage?.kind?.S === 'outbox')).toBe(true);

    const calculated = await pollOnce(stack, calculatorWorker, 'CalculatorQueue');
    expect(typesOf(calculated.messages)).toEqual(['calculation.requested']);
    expect(calculated.response.batchItemFailures).toEqual([]);

    const stored = await pollOnce(stack, storageWorker, 'StorageQueue');
    expect(typesOf(stored.messages)).toEqual(['calculation.completed']);
    expect(stored.response.batchItemFailures).toEqual([]);

    const answered = await storageApi.invoke<APIGatewayProxyStructuredResultV2>(
      http('GET', `/calculations/${calculationId}`, { pathParameters: { id: calculationId } }),
    );
    expect(answered.statusCode, answered.body).toBe(200);
    expect(JSON.parse(answered.body ?? '{}')).toMatchObject({
      calculationId,
      status: 'completed',
      result: '5',
    });

    const notified = await pollOnce(stack, notifierWorker, 'NotifierQueue');
    expect(typesOf(notified.messages)).toEqual(['calculation.completed']);
    expect(notified.response.batchItemFailures).toEqual([]);
    const webhook = received.find((r) => r.body.includes(calculationId));
    expect(webhook, 'the webhook arrived').toBeDefined();
    const verified = new Webhook(secret).verify(
      webhook?.body ?? '',
      webhook?.headers as Record<string, string>,
    );
    expect(verified).toMatchObject({ type: 'calculation.completed', data: { calculationId } });
  });

  it.each([
    ['calculator', () => calculatorWorker],
    ['storage', () => storageWorker],
    ['notifier', () => notifierWorker],
  ])(
    '%s worker dead-letters a malformed message under its role (sqs:SendMessage on its own DLQ)',
    async (name, worker) => {
      const Name = `${name[0]?.toUpperCase()}${name.slice(1)}`;
      const body = `not a CloudEvent ${randomUUID()}`;
      await admin.sqs.send(
        new SendMessageCommand({ QueueUrl: stack.refs[`${Name}Queue`], MessageBody: body }),
      );
      const { messages, response } = await pollOnce(stack, worker(), `${Name}Queue`);
      expect(messages.map((m) => m.Body)).toEqual([body]);
      expect(response.batchItemFailures).toEqual([]);
      const { Messages = [] } = await admin.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.refs[`${Name}DeadLetterQueue`],
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      const dead = Messages.find((m) => m.Body === body);
      expect(dead?.MessageAttributes?.['failure.consumer']?.StringValue).toBe(name);
    },
  );

  it('releases the idempotency record of a refused POST (dynamodb:DeleteItem): the key works again', async () => {
    const key = randomUUID();
    const post = (a: string) =>
      storageApi.invoke<APIGatewayProxyStructuredResultV2>(
        http('POST', '/calculations', {
          body: { operation: 'add', a, b: '1' },
          headers: { 'idempotency-key': key },
        }),
      );
    const refused = await post('not a number');
    expect(refused.statusCode, refused.body).toBeGreaterThanOrEqual(400);
    expect(refused.statusCode, refused.body).toBeLessThan(500);
    const accepted = await post('1');
    expect(accepted.statusCode, accepted.body).toBe(202);
    // Carried through, so no message of it is left for the next test.
    await pollStreamOnce(stack, outboxRelay, 'CalculationsTable');
    expect((await pollOnce(stack, calculatorWorker, 'CalculatorQueue')).messages).toHaveLength(1);
    expect((await pollOnce(stack, storageWorker, 'StorageQueue')).messages).toHaveLength(1);
    expect((await pollOnce(stack, notifierWorker, 'NotifierQueue')).messages).toHaveLength(1);
  });

  it('retries a webhook its target refused with 503: visibility backoff and the delivery record released under the notifier role', async () => {
    const completed = buildCloudEvent(
      currentContract('calculation.completed'),
      { calculationId: randomUUID(), operation: 'multiply', a: '2', b: '4', result: '8' },
      'calculator',
    );
    await admin.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.refs.NotifierQueue,
        MessageBody: JSON.stringify(completed),
        MessageAttributes: { type: { DataType: 'String', StringValue: completed.type } },
      }),
    );
    answer = (body) => (body.includes(completed.data.calculationId) ? 503 : 204);
    const refused = await pollOnce(stack, notifierWorker, 'NotifierQueue');
    expect(refused.response.batchItemFailures).toHaveLength(1);

    // Backoff (ChangeMessageVisibility) brings it back after the first retry delay, not after
    // the queue's 6× timeout; the delivery record the failure released lets it be delivered.
    answer = () => 204;
    const retried = await pollOnce(stack, notifierWorker, 'NotifierQueue', { deadlineMs: 30_000 });
    expect(retried.messages.map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([completed.id]);
    expect(retried.response.batchItemFailures).toEqual([]);
    const deliveries = received.filter((r) => r.body.includes(completed.data.calculationId));
    expect(deliveries).toHaveLength(2);
  });

  it('lets the notifier role read the webhook secrets of its stage and no other parameter', async () => {
    const notifier = stack.functions.NotifierWorkerLambdaFunction;
    const other = `/iam-${randomUUID().slice(0, 8)}/webhooks/${target}`;
    await admin.ssm.send(
      new PutParameterCommand({ Name: other, Type: 'SecureString', Value: secret }),
    );
    const ssm = new SSMClient(clientConfig(stack, notifier?.probeCredentials));
    const read = (Name: string) =>
      ssm.send(new GetParameterCommand({ Name, WithDecryption: true })).then(
        (r) => r.Parameter?.Value,
        (error: Error) => error.name,
      );
    expect(await read(`${notifier?.environment.WEBHOOK_SECRETS_PATH}${target}`)).toBe(secret);
    expect(await read(other)).toBe('AccessDeniedException');
  });
});
