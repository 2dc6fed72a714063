import { request as httpRequest, type IncomingMessage } from 'node:http';

/**
 * Send a request a local proxy received on to `target` as it came (method, path, headers, body);
 * `onAnswer` gets the target's answer. A failed forward resets the caller's connection, as a
 * network fault would.
 */
export function forwardRequest(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
  onAnswer: (answer: IncomingMessage) => void,
): void {
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    onAnswer,
  );
  upstream.on('error', () => req.socket.destroy());
  upstream.end(body);
}
