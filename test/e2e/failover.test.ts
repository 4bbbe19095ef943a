/**
 * Agent failover with the built binary: an agent given two servers reports to the first, moves to
 * the second within seconds of a kill -9 of the first, and goes back once the first is up again;
 * both servers remote-write to one VictoriaMetrics, where every sample is stored once: the copies
 * both servers got carry the same stamp, and VictoriaMetrics with -dedup.minScrapeInterval keeps one.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { generateKey, hashKey } from '../../src/server/fleet/keys';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { exportSeries, freePort, startVictoriaMetrics } from './tsdb';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server over `data` (node n1 with `key` registered) with remote write to `writeUrl`. */
async function startServer(dir: string, name: string, writeUrl: string, listen: string) {
  const config = path.join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ history: { remoteWrite: [{ url: writeUrl, name: 'tsdb' }] } }));
  const proc = run(BINARY, ['server', '--listen', listen, '--data', path.join(dir, name), '--config', config], { cwd: dir });
  const base = await listeningUrl(proc, `server ${name}`);
  return { proc, base };
}

function register(data: string, key: string): void {
  const store = openSqliteStore(data);
  store.addNode({ name: 'n1', group: 'g1', location: '', keyHash: hashKey(key) }, Date.now());
  store.close();
}

/** Lines of the agent's log saying which server it connected to, in order. */
const connections = (stderr: string) => [...stderr.matchAll(/connected to server server=(\S+)/g)].map((m) => m[1]!);

async function pending(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^probe_remote_write_pending_samples\{target="tsdb"\} (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

function storedTs(data: string): number[] {
  const store = openSqliteStore(data);
  try {
    const node = store.listNodes().find((n) => n.name === 'n1')!;
    return store
      .samples(node.id, 0, Date.now() + 60_000, ['memTotalBytes'])
      .filter((s) => s.values.memTotalBytes !== undefined)
      .map((s) => s.ts);
  } finally {
    store.close();
  }
}

test('failover: kill -9 the preferred server, the agent moves on and comes back; every sample stored once', async (t) => {
  const dir = tempDir(t, 'probe-failover-');
  const vm = await startVictoriaMetrics(dir, await freePort(), { dedup: true });
  t.after(() => vm.proc.stop('SIGKILL'));
  const key = generateKey();
  register(path.join(dir, 'a'), key);
  register(path.join(dir, 'b'), key);
  const portA = await freePort();
  let a = await startServer(dir, 'a', vm.writeUrl, `127.0.0.1:${portA}`);
  t.after(() => a.proc.stop('SIGKILL'));
  const b = await startServer(dir, 'b', vm.writeUrl, '127.0.0.1:0');
  t.after(() => b.proc.stop('SIGKILL'));
  const [wsA, wsB] = [a.base, b.base].map((base) => `${base.replace(/^http/, 'ws')}/ws/agent`);
  const agent = run(BINARY, ['agent', '--server', wsA!, '--server', wsB!, '--state-dir', path.join(dir, 'agent-state')], {
    cwd: dir,
    env: { PROBE_KEY: key, PROBE_PREFERRED_RETRY: '1s' },
  });
  t.after(() => agent.stop('SIGKILL'));

  await waitFor('the agent on a', () => connections(agent.stderr()).length === 1, 20_000);
  assert.deepEqual(connections(agent.stderr()), [wsA]);
  await sleep(1500);
  const killedAt = Date.now();
  await a.proc.stop('SIGKILL');
  await waitFor('the agent on b', () => connections(agent.stderr()).length === 2, 10_000);
  const failoverMs = Date.now() - killedAt;
  assert.equal(connections(agent.stderr())[1], wsB, 'the second server');
  await sleep(1500);
  a = await startServer(dir, 'a', vm.writeUrl, `127.0.0.1:${portA}`);
  const backAt = Date.now();
  await waitFor('the agent back on a', () => connections(agent.stderr()).length === 3, 10_000);
  const returnMs = Date.now() - backAt;
  assert.equal(connections(agent.stderr())[2], wsA, 'back on the preferred server');
  assert.match(agent.stderr(), /preferred server reachable again/);
  await sleep(1500);
  await agent.stop('SIGTERM');
  for (const server of [a, b]) await waitFor('remote write done', async () => (await pending(server.base)) === 0, 20_000, 200);
  await Promise.all([a.proc.stop('SIGTERM'), b.proc.stop('SIGTERM')]);

  const onA = storedTs(path.join(dir, 'a'));
  const onB = storedTs(path.join(dir, 'b'));
  assert.ok(onB.length >= 2, `the second server stored samples (${onB.length})`);
  const union = [...new Set([...onA, ...onB])].sort((x, y) => x - y);
  const gaps = union.slice(1).map((ts, i) => ts - union[i]!);
  assert.deepEqual(
    gaps.filter((g) => g !== 1000),
    [],
    'one sample a second, none missing across the two servers',
  );
  const exported = await exportSeries(vm, 'probe_memory_total_bytes{node="n1"}');
  assert.equal(exported.length, 1, 'one series, whichever server sent it');
  assert.deepEqual(exported[0]!.timestamps, union, 'every sample once in the TSDB');
  // Usually one or two: what the server left had stored but not acked yet (not certain, so not asserted).
  t.diagnostic(`on b ${failoverMs} ms after the kill, back on a ${returnMs} ms after it listened (preferredRetry 1s)`);
  t.diagnostic(`stored: a ${onA.length}, b ${onB.length}, on both ${onA.length + onB.length - union.length}`);
});
