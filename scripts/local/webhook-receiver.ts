import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { LOCAL_WEBHOOK } from '../emulator/local-env.ts';

export interface ReceivedWebhook {
  receivedAt: Date;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed CloudEvent when the Standard Webhooks signature verified, else undefined. */
  event?: { id: string; type: string; data: Record<string, unknown> } & Record<string, unknown>;
  verificationError?: string;
  /** The status this receiver answered. */
  status: number;
}

export interface WebhookReceiverOptions {
  secret: string;
  host?: string;
  port?: number;
  path?: string;
  /**
   * Decide the answer for a delivery (default 200); tests use it to simulate outages, and a
   * promise that settles late to simulate a slow receiver.
   */
  respond?: (delivery: Omit<ReceivedWebhook, 'status'>) => number | Promise<number>;
  onDelivery?: (delivery: ReceivedWebhook) => void;
}

/** A local webhook endpoint that verifies Standard Webhooks signatures and records every call. */
export async function startWebhookReceiver(options: WebhookReceiverOptions) {
  const { secret, host = '127.0.0.1', port = 0, path = '/webhooks', respond = () => 200 } = options;
  const verifier = new Webhook(secret);
  const deliveries: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404).end();
        return;
      }
      const received: Omit<ReceivedWebhook, 'status'> = {
        receivedAt: new Date(),
        headers: req.headers,
        body,
      };
      try {
        received.event = verifier.verify(
          body,
          req.headers as Record<string, string>,
        ) as ReceivedWebhook['event'];
      } catch (error) {
        received.verificationError = (error as Error).message;
      }
      const status = received.verificationError ? 401 : await respond(received);
      const delivery = { ...received, status };
      deliveries.push(delivery);
      options.onDelivery?.(delivery);
      if (!res.destroyed) res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}${path}`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The local stage's webhook target as `npm run webhooks` and `npm run dev` run it, on
 * 127.0.0.1:4599 unless `port` says otherwise. A port already taken is one sentence (the error
 * keeps its `code`, EADDRINUSE).
 */
export function startLocalWebhookReceiver({
  port = LOCAL_WEBHOOK.port,
  ...options
}: Pick<WebhookReceiverOptions, 'secret' | 'onDelivery'> & { port?: number }) {
  return startWebhookReceiver({
    ...options,
    host: LOCAL_WEBHOOK.host,
    port,
    path: LOCAL_WEBHOOK.path,
  }).catch((error: { code?: string; message: string }) => {
    if (error.code !== 'EADDRINUSE') throw error;
    throw Object.assign(
      new Error(
        `${LOCAL_WEBHOOK.host}:${port} is already taken: another \`npm run webhooks\`, \`npm run dev\`, \`npm run demo\` or the e2e tier is listening there.`,
      ),
      { code: error.code },
    );
  });
}

/** A delivery in one line: the status answered, its webhook id, the event (or why it was refused). */
export const describeDelivery = (d: ReceivedWebhook): string =>
  `${d.status}  webhook-id=${d.headers['webhook-id']}  ${
    d.event
      ? `${d.event.type} ${d.event.id} ${JSON.stringify(d.event.data)}`
      : `REJECTED (${d.verificationError})`
  }`;
