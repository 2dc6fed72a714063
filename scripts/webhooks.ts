#!/usr/bin/env tsx
import { LOCAL_WEBHOOK_URL } from './emulator/local-env.ts';
// `npm run webhooks`: listen as the local stage's webhook target and print each verified delivery.
import { parseCli, runMain } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run webhooks
Listens on ${LOCAL_WEBHOOK_URL}, the local stage's webhook target, and prints each
delivery with its signature checked (needs the emulator running). Ctrl-C stops it.
  --help  this text`,
};

async function main(): Promise<undefined> {
  parseCli(cli);
  // Imported after the arguments are read: --help and a bad flag load no AWS SDK.
  const { localWebhookSecret, localWebhookSecretName } = await import('./local/stack.ts');
  const { describeDelivery, startLocalWebhookReceiver } = await import(
    './local/webhook-receiver.ts'
  );
  const secret = await localWebhookSecret();
  const receiver = await startLocalWebhookReceiver({
    secret,
    onDelivery: (d) => console.log(`${d.receivedAt.toISOString()}  ${describeDelivery(d)}`),
  });
  console.log(
    `Listening on ${receiver.url} (signatures checked with the emulator's ${localWebhookSecretName()}). Ctrl-C to stop.`,
  );
  return undefined; // the receiver keeps the process running
}

runMain(cli, main);
