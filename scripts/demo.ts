#!/usr/bin/env tsx
// `npm run demo`: start the emulator if needed, deploy the stack, send a few calculations and
// trace every event through the system: published → queued → handled → stored → notified.
import type { CloudEvent } from '../events/cloud-event.ts';
import { LOCAL_WEBHOOK } from './emulator/local-env.ts';
import { parseCli, runMain } from './lib/cli.ts';

const calculations = [
  { operation: 'add', a: '0.1', b: '0.2' },
  { operation: 'multiply', a: '-1.5', b: '1e3' },
  { operation: 'divide', a: '1', b: '3' },
  { operation: 'divide', a: '42', b: '0' },
] as const;

const cli = {
  usage: `usage: npm run demo
Starts the emulator if needed, deploys the stack (stage local), sends a few calculations and
traces each event: published → queued → handled → stored → notified. The emulator keeps running
afterwards (npm run emulator -- stop).
  --help  this text`,
};

interface Step {
  at: number;
  what: string;
}

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

async function main(): Promise<number> {
  parseCli(cli);
  // Imported after the arguments are read: --help and a bad flag load no AWS SDK.
  const { ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
  const { sqsClient } = await import('../shared/aws/clients.ts');
  const { tapEvents } = await import('./local/event-tap.ts');
  const { deployLocalStack, localWebhookSecret } = await import('./local/stack.ts');
  const { startWebhookReceiver } = await import('./local/webhook-receiver.ts');
  const t0 = Date.now();
  console.log(
    bold('1. Deploying the stack into the local emulator (serverless deploy --stage local) …'),
  );
  const stack = await deployLocalStack({ quiet: true });
  console.log(`   deployed in ${((Date.now() - t0) / 1000).toFixed(1)} s; API ${stack.apiUrl}\n`);

  // A wire tap: one extra queue subscribed to every event on the bus, so we can watch them pass.
  const tap = await tapEvents(stack.eventsTopicArn, `demo-tap-${Date.now()}`);
  const tapUrl = tap.url;

  // The local stage's webhook target; when `npm run webhooks` already listens there, use that one.
  const receiver = await startWebhookReceiver({
    secret: await localWebhookSecret(),
    host: LOCAL_WEBHOOK.host,
    port: LOCAL_WEBHOOK.port,
    path: LOCAL_WEBHOOK.path,
  }).catch((error: unknown) => {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    console.log(
      `   ${LOCAL_WEBHOOK.host}:${LOCAL_WEBHOOK.port} is already taken (by \`npm run webhooks\`, presumably): the webhooks go there, watch them in its window.\n`,
    );
    return undefined;
  });

  try {
    console.log(bold('2. Sending calculations to POST /calculations …'));
    const traces = new Map<
      string,
      { label: string; start: number; steps: Step[]; record?: Record<string, unknown> }
    >();
    for (const body of calculations) {
      const start = Date.now();
      const response = await fetch(`${stack.apiUrl}/calculations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { calculationId: string };
      const label = `${body.operation}(${body.a}, ${body.b})`;
      traces.set(json.calculationId, {
        label,
        start,
        steps: [
          {
            at: Date.now(),
            what: `POST /calculations → ${response.status} ${JSON.stringify(json)}`,
          },
        ],
      });
    }

    const pendingIds = new Set(traces.keys());
    const notified = new Set<string>();
    const deadline = Date.now() + 60_000;
    while ((pendingIds.size || notified.size < traces.size) && Date.now() < deadline) {
      const { Messages = [] } = await sqsClient().send(
        new ReceiveMessageCommand({
          QueueUrl: tapUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      for (const message of Messages) {
        const event = JSON.parse(message.Body ?? '{}') as CloudEvent<
          string,
          Record<string, unknown>
        >;
        const trace = traces.get(event.data.calculationId as string);
        if (!trace) continue;
        const detail =
          event.type === 'calculation.completed'
            ? ` result=${event.data.result}`
            : event.type === 'calculation.failed'
              ? ` error=${(event.data.error as { code: string }).code}`
              : event.type === 'notification.sent'
                ? ` target=${event.data.target} status=${event.data.status} attempts=${event.data.attempts}`
                : '';
        const handledBy = event.causationid ? ` (handling ${event.causationid.slice(0, 8)})` : '';
        trace.steps.push({
          at: event.time ? Date.parse(event.time) : Number(message.Attributes?.SentTimestamp),
          what: `published ${event.type} by ${event.source}${handledBy}${detail}`,
        });
        trace.steps.push({
          at: Number(message.Attributes?.SentTimestamp ?? Date.now()),
          what: `queued    ${event.type} (SNS fan-out to subscribed queues)`,
        });
        if (event.type === 'notification.sent') notified.add(event.data.calculationId as string);
      }
      for (const id of pendingIds) {
        const response = await fetch(`${stack.apiUrl}/calculations/${id}`);
        if (response.status !== 200) continue;
        const record = (await response.json()) as Record<string, unknown>;
        if (record.status === 'pending') continue;
        const trace = traces.get(id);
        if (!trace) continue;
        trace.record = record;
        trace.steps.push({
          at: Date.parse(record.updatedAt as string),
          what: `stored    status=${record.status} by storage (updatedAt: the time of the event it applied)`,
        });
        pendingIds.delete(id);
      }
    }
    for (const delivery of receiver?.deliveries ?? []) {
      const trace = traces.get(delivery.event?.data.calculationId as string);
      trace?.steps.push({
        at: delivery.receivedAt.getTime(),
        what: `notified  webhook got ${delivery.event?.type}, signature ${delivery.verificationError ? 'INVALID' : 'verified'}, answered ${delivery.status}`,
      });
    }

    console.log(`\n${bold('3. What happened to each calculation')} ${dim('(ms since its POST)')}`);
    for (const [id, trace] of traces) {
      console.log(`\n${bold(trace.label)}  ${dim(id)}`);
      for (const step of trace.steps.sort((x, y) => x.at - y.at)) {
        console.log(
          `  ${dim(`+${String(Math.max(0, step.at - trace.start)).padStart(5)} ms`)}  ${step.what}`,
        );
      }
    }
    console.log(`\n${bold('4. Final stored records')} ${dim('(GET /calculations/{id})')}`);
    for (const trace of traces.values())
      console.log(`  ${JSON.stringify(trace.record ?? 'not finished')}`);

    const unfinished = [...traces.values()].filter((t) => !t.record);
    if (unfinished.length || notified.size < traces.size) {
      throw new Error(
        `${unfinished.length} calculation(s) unfinished, ${traces.size - notified.size} not notified within 60 s`,
      );
    }
    console.log(
      `\nDone in ${((Date.now() - t0) / 1000).toFixed(1)} s. The emulator keeps running for you to explore:`,
    );
    console.log(
      `  curl -X POST ${stack.apiUrl}/calculations -H 'content-type: application/json' -d '{"operation":"add","a":"1","b":"2"}'`,
    );
    console.log(
      '  npm run webhooks       # watch webhook deliveries (the demo receiver is gone now)',
    );
    console.log('  npm run emulator -- stop   # when you are done');
    return 0;
  } finally {
    await receiver?.close();
    await tap.remove();
  }
}

runMain(cli, main);
