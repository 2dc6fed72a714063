#!/usr/bin/env tsx
// `npm run webhooks`: listen as the local stage's webhook target and print each verified delivery.
import { LOCAL_WEBHOOK } from './emulator/local-env.ts';
import { localWebhookSecret } from './local/stack.ts';
import { startWebhookReceiver } from './local/webhook-receiver.ts';

const receiver = await startWebhookReceiver({
  secret: localWebhookSecret(),
  host: LOCAL_WEBHOOK.host,
  port: LOCAL_WEBHOOK.port,
  path: LOCAL_WEBHOOK.path,
  onDelivery: (d) => {
    const what = d.event
      ? `${d.event.type} ${JSON.stringify(d.event.data)}`
      : `REJECTED (${d.verificationError})`;
    console.log(
      `${d.receivedAt.toISOString()}  ${d.status}  webhook-id=${d.headers['webhook-id']}  ${what}`,
    );
  },
});
console.log(
  `Listening on ${receiver.url} (signatures checked with .emulator/webhook-secret). Ctrl-C to stop.`,
);
