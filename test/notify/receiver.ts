/**
 * @module A local stand-in for webhook endpoints: an HTTP server on loopback recording requests.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertMessage } from '../../src/notify/notifier';

export interface Receiver {
  url: string;
  requests: { url: string; headers: Record<string, string | string[] | undefined>; raw: string; body: AlertMessage }[];
  /** Status codes to answer with, in order; 200 once they run out. */
  failWith: number[];
  /** Body to answer with (some services put errors in a 200 answer). */
  answer: string;
}

/** A local stand-in for a webhook endpoint that records every request. */
export async function startReceiver(t: { after(fn: () => unknown): void }): Promise<Receiver> {
  const receiver: Receiver = { url: '', requests: [], failWith: [], answer: 'ok' };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body);
      } catch {
        // Some channels send plain text (ntfy).
      }
      receiver.requests.push({ url: req.url ?? '', headers: req.headers, raw: body, body: parsed as AlertMessage });
      res.writeHead(receiver.failWith.shift() ?? 200).end(receiver.answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
