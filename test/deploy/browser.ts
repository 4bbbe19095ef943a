/**
 * @module A client of the proxy as a browser elsewhere would be: its own address (127.0.0.2, not
 * the proxy's 127.0.0.1), a cookie jar (the admin's session, the proxy's sticky upstream cookie).
 */
import http from 'node:http';

export const CLIENT_ADDRESS = '127.0.0.2';

export interface Answer {
  status: number;
  body: string;
  json<T>(): T;
}

export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly base: string,
    cookies: Record<string, string> = {},
  ) {
    for (const [k, v] of Object.entries(cookies)) this.cookies.set(k, v);
  }

  request(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.base}${route}`,
        {
          method,
          localAddress: CLIENT_ADDRESS,
          headers: {
            ...(cookie && { cookie }),
            ...(body !== undefined && { 'content-type': 'application/json' }),
            ...headers,
          },
        },
        (res) => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair = ''] = c.split(';');
            const at = pair.indexOf('=');
            this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T }));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  get(route: string): Promise<Answer> {
    return this.request('GET', route);
  }
}
