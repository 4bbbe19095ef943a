/**
 * `history.read` with the built binary and a real VictoriaMetrics fed by remote write: a server
 * with no samples of its own answers the history API from the TSDB the same as the server that
 * stored them answers from SQLite (within the rounding of averages), and with the TSDB down the
 * history API answers from local storage, with PROBE_ERR_HISTORY_READ in the log, never an error.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { generateKey, hashKey } from '../../src/server/fleet/keys';
import { openSqliteStore } from '../../src/store/sqlite-store';
import type { HistoryAnswer } from '../../src/protocol/history';
import type { NodeView } from '../../src/protocol/messages';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { freePort, startVictoriaMetrics } from './tsdb';

/** A server over `dir/name` (node n1 registered with `key`) with the given `history` settings. */
async function startServer(dir: string, name: string, key: string, history: Record<string, unknown>) {
  const data = path.join(dir, name);
  const store = openSqliteStore(data);
  store.addNode({ name: 'n1', group: 'g1', location: 'JP', keyHash: hashKey(key) }, Date.now());
  store.close();
  const config = path.join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ history }));
  const proc = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', data, '--config', config], { cwd: dir });
  const base = await listeningUrl(proc, `server ${name}`);
  return { proc, base };
}

async function pending(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^probe_remote_write_pending_samples\{target="tsdb"\} (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

async function history(base: string, params: string): Promise<HistoryAnswer> {
  const res = await fetch(`${base}/api/nodes/1/history?${params}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as HistoryAnswer;
}

/** Each column of `actual` equals `expected`'s, averages to their three decimals. */
function sameColumns(actual: HistoryAnswer, expected: HistoryAnswer, metrics: string[], what: string): number {
  assert.deepEqual(actual.ts, expected.ts, `${what}: the same buckets`);
  let points = 0;
  for (const m of metrics) {
    const a = actual[m] as (number | null)[];
    const e = expected[m] as (number | null)[];
    assert.equal(a.length, e.length, `${what} ${m}`);
    for (const [i, v] of e.entries()) {
      if (v === null) assert.equal(a[i], null, `${what} ${m}[${i}]`);
      else {
        assert.ok(a[i] !== null && Math.abs(a[i]! - v) <= 1e-3 + Math.abs(v) * 1e-9, `${what} ${m}[${i}]: ${a[i]} vs ${v}`);
        points++;
      }
    }
  }
  return points;
}

test('history.read: answers from VictoriaMetrics as from SQLite; with it down, from local storage', async (t) => {
  const dir = tempDir(t, 'probe-history-read-');
  const vm = await startVictoriaMetrics(dir, await freePort());
  t.after(() => vm.proc.stop('SIGKILL'));
  const key = generateKey();
  // VictoriaMetrics runs with -search.latencyOffset=0s (tsdb.ts), so 2 s is enough to settle.
  const read = { url: vm.base, headers: { 'X-Token': 'hunter2' }, settle: '2s' };
  const a = await startServer(dir, 'a', key, { remoteWrite: [{ url: vm.writeUrl, name: 'tsdb' }], read });
  t.after(() => a.proc.stop('SIGKILL'));
  const port = new URL(a.base).port;
  const agent = run(
    BINARY,
    ['agent', '--server', a.base, '--state-dir', path.join(dir, 'agent-state'), '--latency', `lo=127.0.0.1:${port}`],
    { cwd: dir, env: { PROBE_KEY: key, PROBE_LATENCY_INTERVAL: '1s' } },
  );
  t.after(() => agent.stop('SIGKILL'));
  await waitFor('the agent connected', () => /connected to server/.test(agent.stderr()), 20_000);
  await new Promise((r) => setTimeout(r, 7000));
  await agent.stop('SIGTERM');
  await waitFor('remote write done', async () => (await pending(a.base)) === 0, 20_000, 200);
  // VictoriaMetrics makes what it took searchable within a second; and the buckets b reads locally
  // (those ending within the 2 s settle time) must hold nothing a has, or the two would differ there.
  await fetch(`${vm.base}/internal/force_flush`);
  const newest = (await getJson<NodeView[]>(`${a.base}/api/nodes`)).find((n) => n.name === 'n1')!.lastSeen!;
  await new Promise((r) => setTimeout(r, Math.max(0, newest + 5000 + 2000 - Date.now())));

  // 30 minutes: 5 s buckets, so averages, minima and maxima of several samples each. Whole buckets:
  // those cut by from or to are read locally (docs/remote-write.md), and server b has nothing local.
  const to = Math.ceil((Date.now() + 1000) / 5000) * 5000;
  const from = to - 30 * 60_000;
  const metrics = Object.keys((await history(a.base, `from=${from}&to=${to}`)) as object)
    .filter((k) => !['from', 'to', 'stepMs', 'tier', 'ts', 'omitted'].includes(k))
    .slice(0, 64);
  assert.ok(metrics.includes('latency.lo') && metrics.includes('cpu'), `metrics: ${metrics.join(',')}`);

  const b = await startServer(dir, 'b', key, { read });
  t.after(() => b.proc.stop('SIGKILL'));
  const stats = ['avg', 'min', 'max'];
  const params = (stat: string) => `from=${from}&to=${to}&stat=${stat}&metrics=${metrics.join(',')}`;
  const fromTsdb = await Promise.all(stats.map((stat) => history(b.base, params(stat))));
  assert.equal(fromTsdb[0]!.stepMs, 5000);

  await vm.proc.stop('SIGTERM');
  const fromSqlite = await Promise.all(stats.map((stat) => history(a.base, params(stat))));
  assert.match(a.proc.stderr(), /cannot read history from the TSDB; answering from local storage code=PROBE_ERR_HISTORY_READ/);
  assert.ok(!a.proc.stderr().includes('hunter2'), 'the header value is never logged');
  let points = 0;
  for (const [i, stat] of stats.entries()) points += sameColumns(fromTsdb[i]!, fromSqlite[i]!, metrics, stat);
  assert.ok(points > metrics.length, `${points} points compared`);
  const empty = await history(b.base, params('avg'));
  assert.deepEqual(
    (empty.cpu as (number | null)[]).filter((v) => v !== null),
    [],
    'the server without samples has none locally',
  );
});
