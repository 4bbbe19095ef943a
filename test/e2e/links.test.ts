/**
 * Bad links between agent and server, with the real binaries through test/fault-proxy.ts: a link
 * that silently drops everything (no FIN, no RST), one with 300 ± 200 ms latency, one that resets
 * 5 % of connections a second. Nothing is lost (every seq stored once), and a black-holed node is
 * shown offline within two intervals (the server's silence rule) and back after. Agents sample
 * every second here so silence shows quickly; bench:chaos holds the black hole for 60 s.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { seeded, startFaultProxy } from '../fault-proxy';
import type { FaultProxy } from '../fault-proxy';
import { BINARY, getJson, run, tempDir, waitFor } from '../helpers';
import type { Running } from '../helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rig {
  base: string;
  server: Running;
  agents: Running[];
  /** Stops agents and server cleanly and gives each node's stored seqs. */
  finish(): Promise<number[][]>;
}

async function rig(t: { after(fn: () => unknown): void }, agents: number, port: (serverPort: number) => Promise<number>): Promise<Rig> {
  const dir = tempDir(t, 'probe-links-');
  const data = path.join(dir, 'data');
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', data], { cwd: dir });
  t.after(() => server.stop('SIGKILL'));
  const base = await waitFor('server URL', () => /open (http:\/\/\S+)\//.exec(server.stdout())?.[1]);
  const via = await port(Number(new URL(base).port));
  const procs = Array.from({ length: agents }, (_, i) => {
    const key = /\n {2}(pk_\S+)\n/.exec(execFileSync(BINARY, ['node', 'add', `n${i}`, '--data', data], { encoding: 'utf8' }))![1]!;
    const agent = run(
      BINARY,
      ['agent', '--server', `ws://127.0.0.1:${via}`, '--interval', '1s', '--state-dir', path.join(dir, `agent-${i}`)],
      { cwd: dir, env: { PROBE_KEY: key } },
    );
    t.after(() => agent.stop('SIGKILL'));
    return agent;
  });
  await waitFor('every agent connected', () => procs.every((a) => /connected to server/.test(a.stderr())), 20_000);
  return {
    base,
    server,
    agents: procs,
    async finish() {
      // Everything sent before a sample made now has reached the server once that sample has.
      const now = Date.now();
      await waitFor(
        'a sample from every node made after now',
        async () => (await getJson<NodeView[]>(`${base}/api/nodes`)).every((n) => (n.lastSeen ?? 0) > now + 500),
        30_000,
      );
      await sleep(1500);
      for (const a of procs) assert.equal(await a.stop('SIGTERM'), 0);
      assert.equal(await server.stop('SIGTERM'), 0);
      const store = openSqliteStore(data);
      try {
        return store.listNodes().map((n) => store.samples(n.id, 0, Date.now() + 60_000).map((s) => s.seq));
      } finally {
        store.close();
      }
    },
  };
}

function assertAllOnce(seqsByNode: number[][], atLeast: number): void {
  for (const seqs of seqsByNode) {
    assert.ok(seqs.length >= atLeast, `${seqs.length} samples stored`);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      'every seq from 1 on, once, none missing',
    );
  }
}

const online = async (base: string) => (await getJson<NodeView[]>(`${base}/api/nodes`))[0]!.online;

test('a black-holed link (no FIN, no RST): offline within two intervals, back after, nothing lost', { timeout: 90_000 }, async (t) => {
  let proxy: FaultProxy | null = null;
  const r = await rig(t, 1, async (port) => {
    proxy = await startFaultProxy(port);
    t.after(() => proxy!.close());
    return proxy.port;
  });
  await sleep(2000);
  const start = Date.now();
  proxy!.set({ blackhole: true });
  await waitFor('offline', async () => !(await online(r.base)), 10_000, 100);
  const offlineMs = Date.now() - start;
  assert.ok(offlineMs <= 2 * 1000 + 1500, `shown offline after ${offlineMs} ms (two intervals, checked every few hundred ms)`);
  await sleep(8000 - offlineMs);
  proxy!.set({});
  const healed = Date.now();
  await waitFor('online again', () => online(r.base), 30_000, 100);
  t.diagnostic(`offline after ${offlineMs} ms, online ${Date.now() - healed} ms after the link healed`);
  assertAllOnce(await r.finish(), 12);
});

test('300 ± 200 ms latency each way: the node stays online and every sample is stored once', { timeout: 90_000 }, async (t) => {
  let proxy: FaultProxy | null = null;
  const r = await rig(t, 1, async (port) => {
    proxy = await startFaultProxy(port, seeded(7));
    t.after(() => proxy!.close());
    return proxy.port;
  });
  proxy!.set({ latencyMs: 300, jitterMs: 200 });
  for (let i = 0; i < 40; i++) {
    assert.equal(await online(r.base), true, 'online throughout');
    await sleep(250);
  }
  assert.doesNotMatch(r.agents[0]!.stderr(), /no word from the server/);
  assertAllOnce(await r.finish(), 10);
});

test('5 % of connections reset each second: every sample of three nodes stored once', { timeout: 120_000 }, async (t) => {
  let proxy: FaultProxy | null = null;
  const r = await rig(t, 3, async (port) => {
    proxy = await startFaultProxy(port, seeded(22));
    t.after(() => proxy!.close());
    return proxy.port;
  });
  proxy!.set({ resetPerSecond: 0.05 });
  await sleep(20_000);
  proxy!.set({});
  assert.ok(proxy!.stats.resets >= 1, `connections reset: ${proxy!.stats.resets}`);
  t.diagnostic(`${proxy!.stats.resets} resets of ${proxy!.stats.connections} connections`);
  assertAllOnce(await r.finish(), 20);
});
