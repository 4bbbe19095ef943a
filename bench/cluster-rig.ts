/**
 * @module What bench/cluster.ts runs: the servers of a cluster on loopback (one registry in
 * PostgreSQL, each following all the others, the first remote-writing), a load generator per
 * server whose agents fail over to the others, and the stored samples afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateKey, hashKey } from '../src/server/fleet/keys';
import { openSqliteStore } from '../src/store/sqlite-store';
import { freePort } from '../test/e2e/tsdb';
import type { Child } from './children';

export type Start = (command: string, argv: string[], env?: NodeJS.ProcessEnv) => Child;

/**
 * Node `bench-<i>` per agent in `<dir>/s0/probe.db` (the first server hands them to the empty
 * registry as it joins); the other servers' data directories empty; each group's keys in `keys-<g>.txt`.
 */
export function addNodes(dir: string, agents: number, servers: number): { ids: Map<string, number>; groups: string[][] } {
  const store = openSqliteStore(path.join(dir, 's0'));
  const groups: string[][] = Array.from({ length: servers }, () => []);
  const keys: string[][] = Array.from({ length: servers }, () => []);
  for (let i = 0; i < agents; i++) {
    const key = generateKey();
    store.addNode({ name: `bench-${i}`, group: `g${i % 10}`, location: '', keyHash: hashKey(key) }, Date.now());
    groups[i % servers]!.push(`bench-${i}`);
    keys[i % servers]!.push(key);
  }
  const ids = new Map(store.listNodes().map((n) => [n.name, n.id]));
  store.close();
  for (let s = 1; s < servers; s++) mkdirSync(path.join(dir, `s${s}`));
  keys.forEach((k, g) => writeFileSync(path.join(dir, `keys-${g}.txt`), k.join('\n')));
  return { ids, groups };
}

export interface ClusterServer {
  index: number;
  url: string;
  proc: Child;
}

/**
 * Starts every server on the registry at `pgUrl`, each following all (itself included: it skips
 * itself); only the first remote-writes. The first starts alone (it joins the empty registry with
 * its nodes), then the others, which take the nodes from PostgreSQL.
 */
export async function startServers(
  start: Start,
  binary: string,
  dir: string,
  servers: number,
  writeUrl: string,
  pgUrl: string,
): Promise<ClusterServer[]> {
  const ports = await Promise.all(Array.from({ length: servers }, freePort));
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const secret = randomBytes(32).toString('hex');
  const startOne = async (url: string, index: number) => {
    const config = path.join(dir, `s${index}.json`);
    const history = index === 0 ? { history: { remoteWrite: [{ url: writeUrl, name: 'vm' }] } } : {};
    writeFileSync(config, JSON.stringify({ cluster: { peers: urls }, ...history }));
    const proc = start(
      binary,
      ['server', '--config', config, '--listen', `127.0.0.1:${ports[index]}`, '--data', path.join(dir, `s${index}`)],
      { PROBE_CLUSTER_SECRET: secret, PROBE_STORE_POSTGRES: pgUrl },
    );
    await proc.waitLine(/open http/, 60_000);
    return { index, url, proc };
  };
  const first = await startOne(urls[0]!, 0);
  return [first, ...(await Promise.all(urls.slice(1).map((url, i) => startOne(url, i + 1))))];
}

/** A load generator for server `g`'s group: its agents' servers are `g`'s first, then the others. */
export function startGroup(start: Start, root: string, dir: string, servers: ClusterServer[], g: number): Child {
  const order = [...servers.slice(g), ...servers.slice(0, g)].map((s) => `${s.url.replace('http', 'ws')}/ws/agent`);
  return start(process.execPath, [
    '--import',
    'tsx',
    path.join(root, 'bench/agents.ts'),
    '--url',
    order.join(','),
    '--keys',
    path.join(dir, `keys-${g}.txt`),
  ]);
}

/** Samples in every server's database, each (node, time) once: what an agent sent is not lost if some server has it. */
export function storedOnce(dir: string, servers: number, ids: readonly number[]): number {
  const seen = new Map<number, Set<number>>();
  for (let s = 0; s < servers; s++) {
    const store = openSqliteStore(path.join(dir, `s${s}`));
    let n = 0;
    try {
      for (const id of ids) {
        let set = seen.get(id);
        if (!set) seen.set(id, (set = new Set()));
        for (const sample of store.samples(id, 0, Date.now() + 3_600_000, ['cpu'])) {
          set.add(sample.ts);
          n++;
        }
      }
      process.stderr.write(`server ${s}: ${n} samples stored\n`);
    } finally {
      store.close();
    }
  }
  return [...seen.values()].reduce((n, set) => n + set.size, 0);
}
