import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, DeleteTopicCommand, PublishBatchCommand } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { snsClient, sqsClient } from '../../../shared/aws/clients.ts';
import { startFaultProxy } from '../../chaos/fault-proxy.ts';
import { LOCAL_WEBHOOK } from '../../emulator/local-env.ts';
import { tapEvents } from '../../local/event-tap.ts';
import { deployLocalStack, localWebhookSecret } from '../../local/stack.ts';
import { startWebhookReceiver } from '../../local/webhook-receiver.ts';

// End to end on the deployed local stack (its own emulator stage, `bench`): calculations through
// the HTTP API until each one's webhook arrives, with every AWS call the functions make counted
// by a transparent proxy in front of the emulator (the chaos run's, with no faults) — beside the
// emulator's raw SNS → SQS rate, measured in the same run.

const PROXY_PORT = 4568;
const RECEIVER_PORT = 4597; // neither the e2e tier's 4599 nor the chaos run's 4598

export interface EndToEnd {
  calculations: number;
  concurrency: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  /** POST /calculations alone, client side: where the emulator's API Gateway → Lambda path spends. */
  postLatencyMs: { p50: number; p99: number };
  rawBusPerSecond: number;
  /** perSecond / rawBusPerSecond. */
  vsRawBus: number;
  /** AWS calls the functions made per calculation, by service:Operation. */
  awsCallsPerCalculation: Record<string, number>;
  awsCallsPerCalculationTotal: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** Messages/s from SNS publish to SQS receive through a raw subscription of a fresh topic. */
async function rawBusRate(messages: number, concurrency: number): Promise<number> {
  const { TopicArn } = await snsClient().send(
    new CreateTopicCommand({ Name: `bench-raw-${randomUUID().slice(0, 8)}` }),
  );
  const tap = await tapEvents(TopicArn as string, `bench-raw-${randomUUID().slice(0, 8)}`);
  try {
    const start = performance.now();
    let received = 0;
    const receiving = (async () => {
      while (received < messages) {
        const { Messages = [] } = await sqsClient().send(
          new ReceiveMessageCommand({
            QueueUrl: tap.url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        received += Messages.length;
        if (Messages.length)
          await sqsClient().send(
            new DeleteMessageBatchCommand({
              QueueUrl: tap.url,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        if (performance.now() - start > 300_000) throw new Error('The raw bus run took over 5 min');
      }
    })();
    await pool(Math.ceil(messages / 10), concurrency, async (batch) => {
      await snsClient().send(
        new PublishBatchCommand({
          TopicArn,
          PublishBatchRequestEntries: Array.from(
            { length: Math.min(10, messages - batch * 10) },
            (_, i) => ({
              Id: String(i),
              Message: JSON.stringify({ batch, i, pad: 'x'.repeat(400) }),
            }),
          ),
        }),
      );
    });
    await receiving;
    return (messages * 1000) / (performance.now() - start);
  } finally {
    await tap.remove();
    await snsClient().send(new DeleteTopicCommand({ TopicArn }));
  }
}

export async function measureEndToEnd({
  calculations,
  concurrency,
  log,
}: {
  calculations: number;
  concurrency: number;
  log: (line: string) => void;
}): Promise<EndToEnd> {
  const proxy = await startFaultProxy({
    target: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
    port: PROXY_PORT,
  });
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
  try {
    log('deploying stage bench (functions call AWS through a counting proxy) …');
    const stack = await deployLocalStack({
      quiet: true,
      stage: 'bench',
      webhookUrl: `http://${LOCAL_WEBHOOK.host}:${RECEIVER_PORT}${LOCAL_WEBHOOK.path}`,
      functionsAwsEndpoint: proxy.url,
    });
    if (!stack.apiUrl) throw new Error('Stage bench has no HTTP API');
    // Its secret lives in the emulator, so the receiver starts once the stage is deployed.
    const webhooks = await startWebhookReceiver({
      secret: await localWebhookSecret('bench'),
      host: LOCAL_WEBHOOK.host,
      port: RECEIVER_PORT,
      path: LOCAL_WEBHOOK.path,
    });
    receiver = webhooks;
    // Warm every function once, then count from zero.
    const post = async () => {
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(`${stack.apiUrl}/calculations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ operation: 'add', a: '0.1', b: '0.2' }),
        });
        if (response.status === 202)
          return ((await response.json()) as { calculationId: string }).calculationId;
        if (attempt === 3) throw new Error(`POST /calculations answered ${response.status}`);
      }
    };
    const warm = await post();
    const notified = (id: string) =>
      webhooks.deliveries.some((d) => d.status === 200 && d.event?.data.calculationId === id);
    for (let waited = 0; !notified(warm); waited += 200) {
      if (waited > 60_000) throw new Error('The warm-up calculation was never notified');
      await sleep(200);
    }
    await sleep(2_000); // its notification.sent and storage updates settle
    for (const key of Object.keys(proxy.byOperation)) delete proxy.byOperation[key];

    log(`${calculations} calculations at concurrency ${concurrency} …`);
    const sentAt = new Map<string, number>();
    const postTimes: number[] = [];
    const start = performance.now();
    await pool(calculations, concurrency, async () => {
      const before = performance.now();
      sentAt.set(await post(), before);
      postTimes.push(performance.now() - before);
    });
    postTimes.sort((a, b) => a - b);
    const deadline = Date.now() + 10 * 60_000;
    const firstDelivery = new Map<string, number>();
    while (firstDelivery.size < sentAt.size) {
      if (Date.now() > deadline)
        throw new Error(`${sentAt.size - firstDelivery.size} calculations never notified`);
      for (const d of webhooks.deliveries) {
        const id = d.event?.data.calculationId as string | undefined;
        if (d.status === 200 && id && sentAt.has(id) && !firstDelivery.has(id))
          firstDelivery.set(id, d.receivedAt.getTime() - performance.timeOrigin);
      }
      await sleep(100);
    }
    const end = Math.max(...firstDelivery.values());
    await sleep(3_000); // the last notification.sent and storage writes are counted too
    const latencies = [...firstDelivery].map(([id, at]) => at - (sentAt.get(id) ?? at));
    latencies.sort((a, b) => a - b);
    const perSecond = (calculations * 1000) / (end - start);

    const awsCallsPerCalculation = Object.fromEntries(
      Object.entries(proxy.byOperation)
        .sort()
        .map(([k, n]) => [k, Number((n / calculations).toFixed(2))]),
    );
    const total = Object.values(proxy.byOperation).reduce((a, b) => a + b, 0) / calculations;

    log('raw SNS → SQS rate …');
    const rawBusPerSecond = await rawBusRate(Math.max(500, calculations * 2), concurrency);
    return {
      calculations,
      concurrency,
      perSecond,
      latencyMs: {
        p50: Math.round(percentile(latencies, 50)),
        p99: Math.round(percentile(latencies, 99)),
      },
      postLatencyMs: {
        p50: Math.round(percentile(postTimes, 50)),
        p99: Math.round(percentile(postTimes, 99)),
      },
      rawBusPerSecond,
      vsRawBus: perSecond / rawBusPerSecond,
      awsCallsPerCalculation,
      awsCallsPerCalculationTotal: Number(total.toFixed(2)),
    };
  } finally {
    await receiver?.close();
    await proxy.close();
  }
}
