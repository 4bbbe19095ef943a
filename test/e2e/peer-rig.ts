/**
 * Two probe servers on loopback for the cluster tests: the same nodes (copies of one probe.db),
 * one cluster secret, each following the other; and a page's /ws/live feed as state per node.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import type { LiveMessage, NodeView } from '../../src/protocol/messages';
import { generateKey, hashKey } from '../../src/server/fleet/keys';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, listeningUrl, run } from '../helpers';
import type { Running } from '../helpers';
import { freePort } from './tsdb';

/** Nodes `names` in a fresh probe.db under `<dir>/a`, copied to `<dir>/b`; their keys by name. */
export function registerBoth(dir: string, names: string[]): Map<string, string> {
  const keys = new Map<string, string>();
  const store = openSqliteStore(path.join(dir, 'a'));
  for (const name of names) {
    const key = generateKey();
    keys.set(name, key);
    store.addNode({ name, group: 'g', location: '', keyHash: hashKey(key) }, Date.now());
  }
  store.close();
  mkdirSync(path.join(dir, 'b'));
  copyFileSync(path.join(dir, 'a', 'probe.db'), path.join(dir, 'b', 'probe.db'));
  return keys;
}

/**
 * Servers `a` and `b` following each other (`cluster.peers` both, and `secret`) on ports found free.
 * A port can be taken between being found and being listened on (the suite runs many processes
 * at once): then both are started again on new ports, up to three times.
 */
export async function startPair(dir: string, secret: string) {
  for (let attempt = 1; ; attempt++) {
    const [portA, portB] = [await freePort(), await freePort()];
    const [urlA, urlB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const cluster = { peers: [urlA, urlB], secret };
    const started: Running[] = [];
    try {
      const a = await startServer(dir, 'a', portA, cluster);
      started.push(a.proc);
      const b = await startServer(dir, 'b', portB, cluster);
      return { a, b, portA, portB, urlA, urlB };
    } catch (err) {
      for (const proc of started) await proc.stop('SIGKILL');
      if (attempt === 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

/** `probe server` named `name` (data in `<dir>/<name>`) on `port`, with `cluster` as its config. */
export async function startServer(dir: string, name: string, port: number, cluster: { peers: string[]; secret: string }) {
  const config = path.join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ cluster }));
  const proc = run(BINARY, ['server', '--listen', `127.0.0.1:${port}`, '--data', path.join(dir, name), '--config', config], { cwd: dir });
  const base = await listeningUrl(proc, `server ${name}`);
  return { proc, base };
}

export interface Seen {
  view: Partial<NodeView>;
  /** received − lastSeen of each update carrying a lastSeen, ms. */
  staleness: number[];
}

/** A page's live feed: every node's merged view by name, and how stale each update was on arrival. */
export class LiveFeed {
  private readonly ws: WebSocket;
  private readonly byId = new Map<number, Seen>();

  constructor(base: string) {
    this.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/live`);
    this.ws.on('message', (data) => this.onFrame(JSON.parse(data.toString()) as LiveMessage));
  }

  private onFrame(msg: LiveMessage): void {
    const at = Date.now();
    if (msg.type !== 'snapshot' && msg.type !== 'update') return;
    for (const node of msg.nodes) {
      const seen = this.byId.get(node.id) ?? { view: {}, staleness: [] };
      this.byId.set(node.id, seen);
      Object.assign(seen.view, node);
      if (msg.type === 'update' && typeof node.lastSeen === 'number') seen.staleness.push(at - node.lastSeen);
    }
  }

  node(name: string): Seen | undefined {
    return [...this.byId.values()].find((s) => s.view.name === name);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The status of a WebSocket upgrade to `url` with these headers (101 when accepted). */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.on('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}
