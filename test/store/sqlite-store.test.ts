import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MIGRATIONS } from '../../src/store/migrations/index';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { HOUR_COST } from '../../src/store/compaction';
import { ProbeError } from '../../src/util/errors';
import { FIXTURES, tempDir } from '../helpers';
import { rowValues, valuesRow } from '../../src/protocol/row';

const NOW = 1_764_000_000_000;

test('nodes: add, find by key hash, rename-safe uniqueness, rotate, remove with history', (t) => {
  const store = openSqliteStore(tempDir(t));
  t.after(() => store.close());
  const a = store.addNode({ name: 'tokyo-1', group: 'asia', location: 'JP', keyHash: 'aa' }, NOW);
  assert.equal(a.name, 'tokyo-1');
  assert.throws(
    () => store.addNode({ name: 'tokyo-1', group: '', location: '', keyHash: 'bb' }, NOW),
    (e: unknown) => e instanceof ProbeError && e.code === 'PROBE_ERR_EXISTS',
  );
  assert.equal(store.findNodeByKeyHash('aa')?.id, a.id);
  assert.ok(store.setKeyHash('tokyo-1', 'cc'));
  assert.equal(store.findNodeByKeyHash('aa'), null);
  assert.equal(store.setKeyHash('nope', 'dd'), false);
  store.writeSamples([{ nodeId: a.id, seq: 1, ts: NOW, row: valuesRow({ cpu: 1 }) }]);
  assert.ok(store.removeNode('tokyo-1'));
  assert.equal(store.removeNode('tokyo-1'), false);
  assert.deepEqual(store.samples(a.id, 0, Infinity), []);
});

test('samples: one transaction, duplicates by (node, ts) dropped, latest per node, last seen', (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir);
  const a = store.addNode({ name: 'a', group: '', location: '', keyHash: '01' }, NOW);
  const b = store.addNode({ name: 'b', group: '', location: '', keyHash: '02' }, NOW);
  store.writeSamples([
    { nodeId: a.id, seq: 1, ts: NOW, row: valuesRow({ cpu: 1 }) },
    { nodeId: a.id, seq: 2, ts: NOW + 1000, row: valuesRow({ cpu: 2 }) },
    { nodeId: b.id, seq: 1, ts: NOW, row: valuesRow({ cpu: 9 }) },
  ]);
  store.writeSamples([{ nodeId: a.id, seq: 2, ts: NOW + 1000, row: valuesRow({ cpu: 99 }) }]);
  assert.deepEqual(
    store.samples(a.id, 0, Infinity).map((s) => [s.seq, s.values.cpu]),
    [
      [1, 1],
      [2, 2],
    ],
  );
  const latest = new Map(store.latestSamples().map((s) => [s.nodeId, s.values.cpu]));
  assert.deepEqual(
    [...latest],
    [
      [a.id, 2],
      [b.id, 9],
    ],
  );
  // Backfill: an older minute written after a newer one; the newest sample is still the latest.
  store.writeSamples([{ nodeId: b.id, seq: 5, ts: NOW + 3 * 60_000, row: valuesRow({ cpu: 5 }) }]);
  store.writeSamples([{ nodeId: b.id, seq: 3, ts: NOW + 60_000, row: valuesRow({ cpu: 3 }) }]);
  assert.equal(store.latestSamples().find((s) => s.nodeId === b.id)?.values.cpu, 5);
  store.close();
  const reopened = openSqliteStore(dir);
  t.after(() => reopened.close());
  assert.equal(reopened.listNodes().find((n) => n.name === 'a')?.lastSeen, NOW + 1000);
});

test('another connection committing changes the external change marker', (t) => {
  const dir = tempDir(t);
  const server = openSqliteStore(dir);
  const cli = openSqliteStore(dir);
  t.after(() => (server.close(), cli.close()));
  const before = server.externalChangeMarker();
  cli.addNode({ name: 'x', group: '', location: '', keyHash: '03' }, NOW);
  assert.notEqual(server.externalChangeMarker(), before);
  assert.equal(server.listNodes().length, 1);
});

test('a database from a newer probe is refused with a clear error, not modified', (t) => {
  const dir = tempDir(t);
  const db = new Database(path.join(dir, 'probe.db'));
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  assert.throws(
    () => openSqliteStore(dir),
    (e: unknown) => e instanceof ProbeError && e.code === 'PROBE_ERR_STORE' && /newer probe/.test(e.message),
  );
});

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** A whole hour, so minute, quarter and hour buckets line up with the test's arithmetic. */
const T0 = NOW - (NOW % HOUR);

function addNode(store: ReturnType<typeof openSqliteStore>, name: string) {
  return store.addNode({ name, group: '', location: '', keyHash: name.padEnd(8, '0') }, NOW);
}

test('compaction packs closed minutes into blocks; reads see the same samples before and after', (t) => {
  const store = openSqliteStore(tempDir(t));
  t.after(() => store.close());
  const a = addNode(store, 'a');
  const samples = Array.from({ length: 150 }, (_, i) => ({
    nodeId: a.id,
    seq: i + 1,
    ts: T0 + i * 1000,
    row: valuesRow({ cpu: (i * 13) % 100, memUsedBytes: 5e8 + i * 4096, load1: 0.25 }),
  }));
  store.writeSamples(samples);
  const before = store.samples(a.id, T0, T0 + HOUR);
  assert.equal(before.length, 150);
  assert.equal(store.compact(T0 + 59_000, 100), 0, 'the current minute is never packed');
  assert.equal(store.compact(T0 + 2 * MINUTE + 5_000, 100), 2, 'two minutes closed');
  assert.deepEqual(store.samples(a.id, T0, T0 + HOUR), before);
  assert.equal(store.stats().pendingSamples, 30, 'only the open minute stays in memory');
  assert.equal(store.stats().journalRows, 1, 'the journal keeps the row that still holds unpacked samples');
  assert.deepEqual(
    store.samples(a.id, T0 + 30_000, T0 + 90_000).map((s) => s.seq),
    Array.from({ length: 60 }, (_, i) => i + 31),
    'range reads cut blocks at the edges',
  );
  assert.deepEqual(store.buckets(a.id, '1m', T0, T0 + HOUR), [], 'rollups wait for the hour to close');

  assert.equal(store.compact(T0 + HOUR + 5_000, 100), 1 + HOUR_COST, 'the last minute, then the hour (which counts as HOUR_COST minutes)');
  assert.equal(store.stats().journalRows, 0, 'journal trimmed once everything is packed');
  const minutes = store.buckets(a.id, '1m', T0, T0 + HOUR);
  assert.deepEqual(
    minutes.map((b) => b.ts),
    [T0, T0 + MINUTE, T0 + 2 * MINUTE],
  );
  const first60 = samples.slice(0, 60).map((s) => rowValues(s.row).cpu!);
  assert.deepEqual(minutes[0]!.stats.cpu, {
    avg: Math.round((first60.reduce((x, y) => x + y, 0) / 60) * 1000) / 1000,
    min: Math.min(...first60),
    max: Math.max(...first60),
    n: 60,
  });
  const [quarter] = store.buckets(a.id, '15m', T0, T0 + HOUR);
  assert.equal(quarter!.stats.cpu!.n, 150);
  const [hour] = store.buckets(a.id, '1h', T0, T0 + HOUR);
  assert.equal(hour!.stats.memUsedBytes!.max, 5e8 + 149 * 4096);
});

test('acked samples survive a crash: the journal is replayed at open', (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir);
  const a = addNode(store, 'a');
  store.writeSamples(Array.from({ length: 90 }, (_, i) => ({ nodeId: a.id, seq: i + 1, ts: T0 + i * 1000, row: valuesRow({ cpu: i }) })));
  store.compact(T0 + 2 * MINUTE, 100);
  store.close(); // no shutdown work happens in close: this is what a crash leaves
  const again = openSqliteStore(dir);
  t.after(() => again.close());
  assert.deepEqual(
    again.samples(a.id, T0, T0 + HOUR).map((s) => s.seq),
    Array.from({ length: 90 }, (_, i) => i + 1),
  );
  again.compact(T0 + 2 * MINUTE, 100);
  assert.deepEqual(
    again.samples(a.id, T0, T0 + HOUR).map((s) => s.seq),
    Array.from({ length: 90 }, (_, i) => i + 1),
    'replayed samples already packed are not stored twice',
  );
  assert.equal(again.stats().pendingSamples, 30);
});

test('journal rows in older formats (JSON, float64 pairs: an upgrade right after a crash) replay next to current ones', (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir);
  const a = addNode(store, 'a');
  const names = ['cpu', 'memUsedBytes', 'load1'];
  store.writeSamples([
    { nodeId: a.id, seq: 3, ts: T0 + 3000, row: { names, data: [2.5, 2 ** 40 + 1, NaN] } },
    { nodeId: a.id, seq: 4, ts: T0 + 4000, row: { names, data: [-0, 1e-300, 0.3 + 0.6] } },
  ]);
  store.close();
  const db = new Database(path.join(dir, 'probe.db'));
  const cpuId = (db.prepare("SELECT id FROM metric_names WHERE name = 'cpu'").get() as { id: number }).id;
  db.prepare('INSERT INTO journal (id, max_ts, data) VALUES (-1, ?, ?)').run(
    T0 + 1000,
    JSON.stringify({ f: 1, s: [[a.id, 1, T0 + 1000, [cpuId, 1.5]]] }),
  );
  const format2 = Buffer.from(new Float64Array([2, a.id, 2, T0 + 2000, 2, cpuId, 7.25]).buffer);
  db.prepare('INSERT INTO journal (id, max_ts, data) VALUES (0, ?, ?)').run(T0 + 2000, format2);
  const current = (db.prepare('SELECT data FROM journal WHERE id > 0').get() as { data: Buffer }).data;
  assert.equal(current[0], 3, 'new rows are in format 3');
  assert.ok(current.length < 2 * 8 * 10, `${current.length} bytes for two samples of three values`);
  db.close();
  const again = openSqliteStore(dir);
  t.after(() => again.close());
  const back = again.samples(a.id, T0, T0 + HOUR);
  assert.deepEqual(
    back.map((s) => [s.seq, s.values]),
    [
      [1, { cpu: 1.5 }],
      [2, { cpu: 7.25 }],
      [3, { cpu: 2.5, memUsedBytes: 2 ** 40 + 1 }],
      [4, { cpu: -0, memUsedBytes: 1e-300, load1: 0.3 + 0.6 }],
    ],
  );
  assert.ok(Object.is(back[3]!.values.cpu, -0));
});

test('late samples (backfill) merge into packed minutes, duplicates dropped, rollups updated', (t) => {
  const store = openSqliteStore(tempDir(t));
  t.after(() => store.close());
  const a = addNode(store, 'a');
  const even = Array.from({ length: 30 }, (_, i) => ({ nodeId: a.id, seq: 2 * i, ts: T0 + 2 * i * 1000, row: valuesRow({ cpu: 10 }) }));
  store.writeSamples(even);
  store.compact(T0 + HOUR + MINUTE, 100);
  assert.deepEqual(store.buckets(a.id, '1m', T0, T0 + MINUTE)[0]!.stats.cpu, { avg: 10, min: 10, max: 10, n: 30 });
  const odd = Array.from({ length: 30 }, (_, i) => ({
    nodeId: a.id,
    seq: 2 * i + 1,
    ts: T0 + (2 * i + 1) * 1000,
    row: valuesRow({ cpu: 30 }),
  }));
  store.writeSamples([...odd, { nodeId: a.id, seq: 999, ts: T0, row: valuesRow({ cpu: 99 }) }]);
  store.compact(T0 + HOUR + MINUTE, 100);
  const all = store.samples(a.id, T0, T0 + MINUTE);
  assert.deepEqual(
    all.map((s) => s.seq),
    Array.from({ length: 60 }, (_, i) => i),
  );
  assert.equal(all[0]!.values.cpu, 10, 'the first stored copy of a timestamp wins');
  assert.deepEqual(store.buckets(a.id, '1m', T0, T0 + MINUTE)[0]!.stats.cpu, { avg: 20, min: 10, max: 30, n: 60 });
});

test('hours are rolled up in batches weighed by their cost, until none is left', (t) => {
  const store = openSqliteStore(tempDir(t));
  t.after(() => store.close());
  const nodes = ['a', 'b', 'c'].map((name) => addNode(store, name));
  store.writeSamples(nodes.map((n, i) => ({ nodeId: n.id, seq: 1, ts: T0 + i * 1000, row: valuesRow({ cpu: i }) })));
  const now = T0 + HOUR + MINUTE;
  assert.equal(store.compact(now, 3), 3, 'the three minutes first');
  assert.equal(store.compact(now, 1), HOUR_COST, 'a batch smaller than an hour rolls one');
  assert.equal(store.compact(now, HOUR_COST), HOUR_COST, "a batch of one hour's cost: one");
  assert.equal(store.compact(now, 100), HOUR_COST, 'the last one: less than the batch, so nothing is left');
  assert.equal(store.compact(now, 100), 0);
  assert.deepEqual(
    nodes.map((n) => store.buckets(n.id, '1h', T0, T0 + HOUR)[0]!.stats.cpu!.avg),
    [0, 1, 2],
  );
});

test('retention deletes whole expired blocks per tier, in bounded batches', (t) => {
  const store = openSqliteStore(tempDir(t));
  t.after(() => store.close());
  const a = addNode(store, 'a');
  for (let m = 0; m < 10; m++) store.writeSamples([{ nodeId: a.id, seq: m, ts: T0 + m * MINUTE, row: valuesRow({ cpu: m }) }]);
  store.compact(T0 + HOUR + MINUTE, 100);
  const retention = { raw: 5 * MINUTE, '1m': 400 * 86_400_000, '15m': 400 * 86_400_000, '1h': 400 * 86_400_000 };
  const now = T0 + 10 * MINUTE;
  assert.equal(store.applyRetention(now, retention, 2), 2, 'batch limit holds');
  assert.equal(store.applyRetention(now, retention, 100), 3, 'raw blocks of minutes 0–4 ended 5 minutes ago or earlier');
  assert.deepEqual(
    store.samples(a.id, T0, now).map((s) => s.values.cpu),
    [5, 6, 7, 8, 9],
  );
  assert.equal(store.buckets(a.id, '1m', T0, now).length, 10, 'rollups outlive raw data');
  assert.equal(store.applyRetention(now, retention, 100), 0);
});

test('a version-1 database (fixture) opens, migrates and its samples are packed into blocks', (t) => {
  const dir = tempDir(t);
  copyFileSync(path.join(FIXTURES, 'store/probe-v1.db'), path.join(dir, 'probe.db'));
  const store = openSqliteStore(dir);
  t.after(() => store.close());
  const [node] = store.listNodes();
  assert.equal(node!.name, 'old-1');
  const v1T0 = 1_764_000_000_000;
  assert.equal(store.samples(node!.id, v1T0, v1T0 + HOUR).length, 180);
  assert.equal(store.compact(v1T0 + 2 * HOUR, 100), 3 + HOUR_COST, 'three minutes and their hour');
  const after = store.samples(node!.id, v1T0, v1T0 + HOUR);
  assert.deepEqual(
    after.map((s) => s.seq),
    Array.from({ length: 180 }, (_, i) => i + 1),
  );
  assert.deepEqual(after[42]!.values, { cpu: 42, memUsedBytes: 1000042, load1: 0.5 });
  assert.equal(store.buckets(node!.id, '1h', v1T0, v1T0 + HOUR)[0]!.stats.cpu!.n, 180);
});

test('probe.db, its -wal and -shm and backups are readable by their owner only, even in a data directory that is not private', async (t) => {
  const { chmodSync, mkdirSync, statSync } = await import('node:fs');
  const { backupDatabase } = await import('../../src/store/sqlite-store');
  const dir = path.join(tempDir(t), 'data');
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const mode = (file: string) => (statSync(path.join(dir, file)).mode & 0o777).toString(8);
  let store = openSqliteStore(dir);
  store.addNode({ name: 'a', group: '', location: '', keyHash: 'aa' }, NOW);
  assert.deepEqual(['probe.db', 'probe.db-wal', 'probe.db-shm'].map(mode), ['600', '600', '600']);
  store.close();
  // A database an older probe left world-readable.
  chmodSync(path.join(dir, 'probe.db'), 0o644);
  store = openSqliteStore(dir);
  t.after(() => store.close());
  assert.equal(mode('probe.db'), '600');
  await backupDatabase(dir, path.join(dir, 'copy.db'));
  assert.equal(mode('copy.db'), '600');
});
