/**
 * @module An HTTP request from a chosen loopback address (127.0.0.2 … look like other clients to
 * the server), which fetch cannot do.
 */
import { request } from 'node:http';

export interface FromReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> & { code?: string; text?: string };
}

export function httpFrom(
  base: string,
  method: string,
  path: string,
  options: { from?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<FromReply> {
  const text = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        localAddress: options.from,
        headers: {
          ...(text === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }),
          ...options.headers,
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let body: FromReply['body'];
          try {
            body = raw.startsWith('{') ? (JSON.parse(raw) as FromReply['body']) : { text: raw };
          } catch {
            body = { text: raw };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}
