import { createHash, createHmac } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  claimRecord,
  cloudEvent,
  completeRecord,
  derivedId,
  type Event,
  publish,
  sqsBatch,
} from './events.ts';

// The notifier, bare: its targets and their secrets from SSM (kept 5 minutes), and per record
// and target, one at a time as the real one: the delivery's idempotency record, the webhook
// signed per Standard Webhooks, the record completed, notification.sent published.

const dynamodb = new DynamoDBClient({});
const sns = new SNSClient({});
const ssm = new SSMClient({});
const env = process.env;

const cache = new Map<string, { value: string; until: number }>();
async function parameter(Name: string): Promise<string> {
  const cached = cache.get(Name);
  if (cached && cached.until > Date.now()) return cached.value;
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name, WithDecryption: true }));
  const value = Parameter?.Value ?? '';
  cache.set(Name, { value, until: Date.now() + 300_000 });
  return value;
}

function sign(secret: string, id: string, timestamp: string, payload: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`).digest('base64')}`;
}

async function deliver(target: { name: string; url: string }, event: Event): Promise<number> {
  const secret = (await parameter(`${env.WEBHOOK_SECRETS_PATH}${target.name}`)).split(/\s+/)[0];
  const payload = JSON.stringify(event);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(target.url, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(Number(env.WEBHOOK_TIMEOUT_MS ?? 5000)),
    headers: {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'webhook-id': event.id,
      'webhook-timestamp': timestamp,
      'webhook-signature': sign(secret ?? '', event.id, timestamp, payload),
    },
    body: payload,
  });
  await response.body?.cancel();
  if (response.status < 200 || response.status >= 300)
    throw new Error(`${target.name} answered ${response.status}`);
  return response.status;
}

export const handler = sqsBatch(
  async (event: Event) => {
    const targets = JSON.parse(await parameter(env.WEBHOOK_TARGETS_PARAMETER ?? '')) as Array<{
      name: string;
      url: string;
    }>;
    for (const target of targets) {
      const id = `notifier-delivery#${createHash('sha256').update(`${target.name} ${event.id}`).digest('hex')}`;
      if (!(await claimRecord(dynamodb, id))) continue; // delivered before
      const status = await deliver(target, event);
      await completeRecord(dynamodb, id, { status });
      const data = { calculationId: event.data.calculationId, eventId: event.id, status };
      await publish(
        sns,
        cloudEvent('notification.sent', { ...data, target: target.name, attempts: 1 }, 'notifier', {
          id: derivedId(`${event.id} notifier notification.sent 1`),
          cause: event,
        }),
      );
    }
  },
  { concurrent: false },
);
