import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { valuesRow } from '../../src/protocol/row';
import { openSqliteStore } from '../../src/store/sqlite-store';
import type { IncomingSample, Store } from '../../src/store/store';
import { FIXTURES, tempDir } from '../helpers';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);

/** What the database file holds, read through a connection of its own. */
function inFile(dir: string, sql: string): string[] {
  const db = new Database(path.join(dir, 'probe.db'), { readonly: true });
  try {
    return (db.prepare(sql).all() as { v: string }[]).map((r) => String(r.v)).sort();
  } finally {
    db.close();
  }
}

const names = (dir: string) => inFile(dir, 'SELECT name AS v FROM metric_names');

/** A sample using `values`, all of whose names are new for the node (as the gateway's budget would say). */
function fresh(nodeId: number, ts: number, values: Record<string, number>): IncomingSample {
  return { nodeId, seq: ts - T0, ts, row: valuesRow(values), newNames: Object.keys(values) };
}

function addNode(store: Store, name: string) {
  return store.addNode({ name, group: '', location: '', keyHash: name.padEnd(8, '0') }, T0);
}

test("a node's metric names are recorded with it and deleted with it (also their rollup ids), unless another node uses them", (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir);
  t.after(() => store.close());
  const a = addNode(store, 'a');
  const b = addNode(store, 'b');
  store.writeSamples([fresh(a.id, T0, { cpu: 1, 'custom.only_a': 2, 'custom.both': 3 }), fresh(b.id, T0, { cpu: 4, 'custom.both': 5 })]);
  // The hour closes and rolls up: each name gets its min/max/count ids too.
  store.compact(T0 + HOUR + 60_000, 100);
  assert.deepEqual(store.metricNames(a.id).sort(), ['cpu', 'custom.both', 'custom.only_a']);
  assert.ok(names(dir).includes('custom.only_a:max'));

  assert.ok(store.removeNode('a'));
  assert.deepEqual(names(dir), [
    'cpu',
    'cpu:max',
    'cpu:min',
    'cpu:n',
    'custom.both',
    'custom.both:max',
    'custom.both:min',
    'custom.both:n',
  ]);
  assert.deepEqual(store.metricNames(a.id), []);
  assert.deepEqual(
    store.samples(b.id, T0, T0 + HOUR).map((s) => s.values),
    [{ cpu: 4, 'custom.both': 5 }],
    "b's history reads as before",
  );
  assert.equal(store.buckets(b.id, '1h', T0, T0 + HOUR)[0]!.stats['custom.both']!.max, 5);
});

test('`probe node remove` in another process deletes names the server still has cached; a node that sends one again gets it recorded afresh', (t) => {
  const dir = tempDir(t);
  const server = openSqliteStore(dir);
  t.after(() => server.close());
  const a = addNode(server, 'a');
  const b = addNode(server, 'b');
  server.writeSamples([fresh(a.id, T0, { 'custom.gone': 1 }), fresh(b.id, T0, { cpu: 1 })]);
  const cli = openSqliteStore(dir);
  assert.ok(cli.removeNode('a'));
  cli.close();
  assert.ok(!names(dir).includes('custom.gone'));
  // Another name takes the freed id (SQLite reuses the highest one), then b sends the deleted name.
  server.writeSamples([fresh(b.id, T0 + 1000, { 'custom.new': 7 })]);
  server.writeSamples([fresh(b.id, T0 + 2000, { 'custom.gone': 9 })]);
  const reader = openSqliteStore(dir);
  t.after(() => reader.close());
  assert.deepEqual(
    reader.samples(b.id, T0, T0 + HOUR).map((s) => s.values),
    [{ cpu: 1 }, { 'custom.new': 7 }, { 'custom.gone': 9 }],
  );
  assert.deepEqual(reader.metricNames(b.id).sort(), ['cpu', 'custom.gone', 'custom.new']);
});

test("new names are written in the batch's transaction: a batch that fails leaves none of them behind", (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir);
  t.after(() => store.close());
  const a = addNode(store, 'a');
  const before = names(dir);
  // The batch's journal row is refused (as a full disk would): the names written before it must go too.
  const db = new Database(path.join(dir, 'probe.db'));
  db.exec("CREATE TRIGGER refuse BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`custom.n${i}`, i]));
  assert.throws(() => store.writeSamples([fresh(a.id, T0, many)]), /disk full/);
  assert.deepEqual(names(dir), before);
  assert.deepEqual(inFile(dir, 'SELECT metric_id AS v FROM node_metrics'), []);
  db.exec('DROP TRIGGER refuse');
  db.close();
  store.writeSamples([fresh(a.id, T0, many)]);
  assert.equal(store.metricNames(a.id).length, 200, 'written once the batch commits');
});

test('samples of a node removed while they were queued are dropped, not stored under no node', (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir);
  t.after(() => store.close());
  const a = addNode(store, 'a');
  store.removeNode('a');
  store.writeSamples([fresh(a.id, T0, { 'custom.late': 1 })]);
  assert.ok(!names(dir).includes('custom.late'));
  assert.deepEqual(store.samples(a.id, T0, T0 + HOUR), []);
});

test('a database from before per-node names: a census in batches records whose names are whose, then deletes the rest', (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(dir);
  const a = addNode(store, 'a');
  const b = addNode(store, 'b');
  // History as an older probe wrote it: no names recorded per node.
  const plain = (nodeId: number, ts: number, values: Record<string, number>) => ({ nodeId, seq: ts - T0, ts, row: valuesRow(values) });
  store.writeSamples([
    plain(a.id, T0, { cpu: 1, 'custom.flood_1': 1, 'custom.flood_2': 2 }),
    plain(b.id, T0, { cpu: 2, 'custom.kept': 3 }),
  ]);
  store.compact(T0 + HOUR + 60_000, 100);
  for (let m = 0; m < 5; m++) store.writeSamples([plain(b.id, T0 + HOUR + m * 60_000, { 'custom.recent': m })]);
  store.compact(T0 + HOUR + 3 * 60_000, 100);
  store.close();
  const db = new Database(path.join(dir, 'probe.db'));
  db.exec('DELETE FROM node_metrics; INSERT INTO metric_census VALUES (-1, 0, 0)');
  db.close();

  const again = openSqliteStore(dir);
  t.after(() => again.close());
  assert.ok(again.removeNode('a'));
  assert.ok(names(dir).includes('custom.flood_1'), "while the census reads, a removed node's names stay: b might use them");
  let steps = 0;
  while (again.censusMetricNames(2) > 0) steps++;
  assert.ok(steps >= 3, `in small steps (${steps})`);
  assert.deepEqual(again.metricNames(b.id).sort(), ['cpu', 'custom.kept', 'custom.recent']);
  assert.deepEqual(
    names(dir).filter((n) => !n.includes(':')),
    ['cpu', 'custom.kept', 'custom.recent'],
    "a's names are gone; b's, in blocks, rollups and the journal, stay",
  );
  assert.ok(names(dir).includes('custom.kept:min'), 'with their rollup ids');
  assert.equal(again.buckets(b.id, '1h', T0, T0 + HOUR)[0]!.stats['custom.kept']!.avg, 3);
  assert.equal(again.censusMetricNames(2), 0, 'done once');
});

test('the version-1 fixture: after the census its node keeps every name it has', (t) => {
  const dir = tempDir(t);
  copyFileSync(path.join(FIXTURES, 'store/probe-v1.db'), path.join(dir, 'probe.db'));
  const store = openSqliteStore(dir);
  t.after(() => store.close());
  const [node] = store.listNodes();
  store.compact(1_764_000_000_000 + 2 * HOUR, 100);
  while (store.censusMetricNames(100) > 0);
  assert.deepEqual(store.metricNames(node!.id).sort(), ['cpu', 'load1', 'memUsedBytes']);
  assert.deepEqual(store.samples(node!.id, 1_764_000_000_000, 1_764_000_000_000 + HOUR)[42]!.values, {
    cpu: 42,
    memUsedBytes: 1000042,
    load1: 0.5,
  });
});
