import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

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
