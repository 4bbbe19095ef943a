/**
 * @module Starts the real server in-process on a loopback port 0 with a temp data dir, and speaks
 * protocol v1 to it like an agent would, for gateway tests.
 */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import type { HelloMessage, ServerMessage } from '../../src/protocol/messages';
import { runServer } from '../../src/server/run-server';
import type { RunningServer } from '../../src/server/run-server';
import type { ServerOptions } from '../../src/server/server-parts';
import { addNode } from '../../src/server/fleet/nodes';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { setLogLevel } from '../../src/util/log';
import { tempDir, waitFor } from '../helpers';

export const SCHEMA = ['cpu', 'memUsedBytes', 'memTotalBytes', 'load1'];

export function helloMessage(): HelloMessage {
  return {
    type: 'hello',
    protocol: 1,
    agentVersion: 'test',
    // Test agents send when a test says so; a long interval keeps the server from cutting them as silent.
    intervalMs: 3_600_000,
    metrics: SCHEMA,
    host: {
      hostname: 'test-host',
      os: 'TestOS 1',
      kernel: '6.1',
      arch: 'x64',
      cpuModel: 'Test CPU',
      cores: 4,
      bootTime: Date.now() - 60_000,
    },
  };
}

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  base: string;
  ws: string;
  /** Adds a node through a second database connection, as the CLI does. */
  addNode(name: string): string;
}

/** Acks every 5 s in production; the tests check every ack, so by default they get them at once. */
export async function startTestServer(
  t: { after(fn: () => unknown): void },
  options: ServerOptions = { ackIntervalMs: 0 },
  configure: (config: Config) => void = () => undefined,
): Promise<TestServer> {
  const dataDir = tempDir(t);
  const config = loadConfig({ flags: { 'server.listen': '127.0.0.1:0', 'server.data': dataDir, 'log.level': 'error' } });
  configure(config);
  setLogLevel(config.logLevel);
  // scrypt at a thousandth of its cost: the limits under test count attempts, not hashing time.
  const server = await runServer(config, { passwordHashN: 1024, ...options });
  t.after(() => server.close());
  return {
    server,
    dataDir,
    base: `http://127.0.0.1:${server.port}`,
    ws: `ws://127.0.0.1:${server.port}`,
    addNode(name) {
      const store = openSqliteStore(dataDir);
      try {
        return addNode(store, name, '', '', Date.now()).key;
      } finally {
        store.close();
      }
    },
  };
}

/**
 * A TestAgent for a new node `name` that said hello (with `hello`'s fields over helloMessage's)
 * and was welcomed; closed when the test ends.
 */
export async function helloAgent(
  t: { after(fn: () => unknown): void },
  s: TestServer,
  name: string,
  hello: Partial<HelloMessage> = {},
): Promise<TestAgent> {
  const agent = new TestAgent(s.ws, s.addNode(name));
  t.after(() => agent.close());
  await agent.opened;
  agent.send({ ...helloMessage(), ...hello });
  await waitFor(`${name} welcomed`, () => agent.of('welcome')[0]);
  return agent;
}

/** A protocol-speaking test agent that records what the server says. */
export class TestAgent {
  readonly messages: ServerMessage[] = [];
  closeCode: number | null = null;
  readonly ws: WebSocket;
  readonly opened: Promise<void>;

  /** `localAddress` picks the loopback address to connect from (127.0.0.2 … look like other clients). */
  constructor(url: string, key: string | null, localAddress?: string) {
    this.ws = new WebSocket(`${url}/ws/agent`, { headers: key ? { Authorization: `Bearer ${key}` } : {}, localAddress });
    this.ws.on('message', (d) => this.messages.push(JSON.parse(d.toString()) as ServerMessage));
    this.ws.on('close', (code) => (this.closeCode = code));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  sample(seq: number, values: (number | null)[], ts = Date.now()): void {
    this.send({ type: 'sample', seq, ts, values });
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m) => m.type === type) as Extract<ServerMessage, { type: T }>[];
  }

  close(): void {
    this.ws.terminate();
  }
}

export const ADMIN_PASSWORD = 'correct horse battery';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** An HTTP client that keeps its cookies (like a browser does for one site) and, once signed in as the admin, the CSRF token. */
export function client(s: TestServer) {
  const cookies = new Map<string, string>();
  let csrf = '';
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(s.base + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(cookies.size ? { Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(csrf ? { 'X-CSRF-Token': csrf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const text = await res.text();
    return {
      status: res.status,
      body: text.startsWith('{') || text.startsWith('[') ? (JSON.parse(text) as Record<string, unknown>) : { text },
      headers: res.headers,
    };
  };
  return {
    call,
    cookieHeader: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    async signIn() {
      const res = await call('POST', '/api/admin/setup', { token: s.server.setupUrl!.split('#setup=')[1], password: ADMIN_PASSWORD });
      assert.equal(res.status, 200);
      csrf = res.body.csrf as string;
    },
  };
}
