#!/usr/bin/env tsx
// `npm run webhooks`: listen as the local stage's webhook target and print each verified delivery.
import { LOCAL_WEBHOOK } from './emulator/local-env.ts';
import { localWebhookSecret, localWebhookSecretName } from './local/stack.ts';
import { startWebhookReceiver } from './local/webhook-receiver.ts';

const secret = await localWebhookSecret().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
const receiver = await startWebhookReceiver({
  secret,
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
}).catch((error: { code?: string; message: string }) => {
  console.error(
    error.code === 'EADDRINUSE'
      ? `${LOCAL_WEBHOOK.host}:${LOCAL_WEBHOOK.port} is already taken: another \`npm run webhooks\`, \`npm run demo\` or the e2e tier is listening there.`
      : error.message,
  );
  process.exit(1);
});
console.log(
  `Listening on ${receiver.url} (signatures checked with the emulator's ${localWebhookSecretName()}). Ctrl-C to stop.`,
);
