import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import path from 'node:path';
import { test } from 'node:test';
import { MIGRATIONS } from '../../src/store/migrations/index';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { ProbeError } from '../../src/util/errors';
import { tempDir } from '../helpers';

const NOW = 1_764_000_000_000;

test('nodes: add, find by key hash, rename-safe uniqueness, rotate, remove with history', (t) => {
  const store = openSqliteStore(tempDir(t));
  t.after(() => store.close());
  const a = store.addNode({ name: 'tokyo-1', group: 'asia', location: 'JP', keyHash: 'aa' }, NOW);
  assert.equal(a.name, 'tokyo-1');
  assert.throws(() => store.addNode({ name: 'tokyo-1', group: '', location: '', keyHash: 'bb' }, NOW), (e: unknown) => e instanceof ProbeError && e.code === 'PROBE_ERR_EXISTS');
  assert.equal(store.findNodeByKeyHash('aa')?.id, a.id);
  assert.ok(store.setKeyHash('tokyo-1', 'cc'));
  assert.equal(store.findNodeByKeyHash('aa'), null);
  assert.equal(store.setKeyHash('nope', 'dd'), false);
  store.writeSamples([{ nodeId: a.id, seq: 1, ts: NOW, values: { cpu: 1 } }]);
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
    { nodeId: a.id, seq: 1, ts: NOW, values: { cpu: 1 } },
    { nodeId: a.id, seq: 2, ts: NOW + 1000, values: { cpu: 2 } },
    { nodeId: b.id, seq: 1, ts: NOW, values: { cpu: 9 } },
  ]);
  store.writeSamples([{ nodeId: a.id, seq: 2, ts: NOW + 1000, values: { cpu: 99 } }]);
  assert.deepEqual(store.samples(a.id, 0, Infinity).map((s) => [s.seq, s.values.cpu]), [[1, 1], [2, 2]]);
  const latest = new Map(store.latestSamples().map((s) => [s.nodeId, s.values.cpu]));
  assert.deepEqual([...latest], [[a.id, 2], [b.id, 9]]);
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
  assert.throws(() => openSqliteStore(dir), (e: unknown) => e instanceof ProbeError && e.code === 'PROBE_ERR_STORE' && /newer probe/.test(e.message));
});
