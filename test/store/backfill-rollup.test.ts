/**
 * Backfill after a long outage reaches the rollup tiers whatever its age: the agent buffers 24 h
 * and raw history is kept 24 h, so the oldest backfilled hours are rolled up as they are packed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valuesRow } from '../../src/protocol/row';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { DEFAULT_RETENTION } from '../../src/store/tiers';
import { tempDir } from '../helpers';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % DAY);

type Store = ReturnType<typeof openSqliteStore>;

/** What the server's upkeep does at `now`: packs and rolls up until nothing is left, then deletes expired blocks. */
function upkeep(store: Store, now: number): void {
  for (let i = 0; i < 1000 && store.compact(now, 100) >= 100; i++);
  while (store.applyRetention(now, DEFAULT_RETENTION, 1000) === 1000);
}

test('a day-long outage: the backfilled first hours end up in the 1m, 15m and 1h tiers and outlive raw retention', (t) => {
  const dir = tempDir(t);
  let store = openSqliteStore(dir);
  const node = store.addNode({ name: 'a', group: '', location: '', keyHash: 'aa' }, T0);
  let seq = 0;
  const sample = (ts: number, cpu: number) => ({ nodeId: node.id, seq: ++seq, ts, row: valuesRow({ cpu }) });

  // Half an hour of samples (one a minute, cpu 10), then the node's link goes down for a day.
  store.writeSamples(Array.from({ length: 30 }, (_, m) => sample(T0 + m * MINUTE, 10)));
  for (let now = T0 + 31 * MINUTE; now < T0 + DAY + 20 * MINUTE; now += 10 * MINUTE) upkeep(store, now);

  // It comes back 24 h 20 min later; its agent backfills what it buffered (the last 24 h: from T0 + 30 min on; cpu 30).
  const back = T0 + DAY + 20 * MINUTE;
  store.close();
  store = openSqliteStore(dir); // a restart in between, for good measure
  t.after(() => store.close());
  const backfill = [];
  for (let ts = T0 + 30 * MINUTE; ts < back; ts += MINUTE) backfill.push(sample(ts, 30));
  for (let i = 0; i < backfill.length; i += 500) store.writeSamples(backfill.slice(i, i + 500));
  upkeep(store, back);
  // The agent sends the oldest ten again (their acks were lost with a connection): counted once.
  store.writeSamples(backfill.slice(0, 10));
  upkeep(store, back + MINUTE);

  // Two days later raw history of that time is long gone; the rollups remain.
  upkeep(store, back + 2 * DAY);
  assert.deepEqual(store.samples(node.id, T0, T0 + 2 * HOUR), [], 'raw is past its retention');
  const [first] = store.buckets(node.id, '1h', T0, T0 + HOUR);
  assert.deepEqual(first?.stats.cpu, { avg: 20, min: 10, max: 30, n: 60 }, 'the first hour: 30 live minutes and 30 backfilled');
  const [second] = store.buckets(node.id, '1h', T0 + HOUR, T0 + 2 * HOUR);
  assert.deepEqual(second?.stats.cpu, { avg: 30, min: 30, max: 30, n: 60 }, 'the second hour, backfilled whole');
  assert.equal(store.buckets(node.id, '15m', T0, T0 + 2 * HOUR).length, 8);
  const minutes = store.buckets(node.id, '1m', T0, T0 + 2 * HOUR);
  assert.equal(minutes.length, 120, 'every minute in the 1m tier');
  assert.ok(minutes.every((b) => b.stats.cpu!.n === 1));
  const hours = store.buckets(node.id, '1h', T0, back);
  assert.equal(hours.length, 25, 'every hour of the outage');
  assert.equal(
    hours.reduce((n, b) => n + b.stats.cpu!.n, 0),
    30 + backfill.length,
    'each sample counted once',
  );
});

test("a sample older than raw retention (a third-party agent's long buffer) goes straight to the rollups", (t) => {
  const store = openSqliteStore(tempDir(t));
  t.after(() => store.close());
  const node = store.addNode({ name: 'a', group: '', location: '', keyHash: 'aa' }, T0);
  const now = T0 + 5 * DAY;
  store.writeSamples([
    { nodeId: node.id, seq: 1, ts: T0 + 2 * DAY + 5 * MINUTE, row: valuesRow({ cpu: 4 }) },
    { nodeId: node.id, seq: 2, ts: T0 + 2 * DAY + 5 * MINUTE + 1000, row: valuesRow({ cpu: 8 }) },
  ]);
  upkeep(store, now);
  assert.deepEqual(store.buckets(node.id, '1h', T0 + 2 * DAY, T0 + 2 * DAY + HOUR)[0]?.stats.cpu, { avg: 6, min: 4, max: 8, n: 2 });
  assert.deepEqual(
    store.buckets(node.id, '1m', T0 + 2 * DAY, T0 + 2 * DAY + HOUR).map((b) => b.ts),
    [T0 + 2 * DAY + 5 * MINUTE],
  );
  assert.deepEqual(
    store.buckets(node.id, '15m', T0 + 2 * DAY, T0 + 2 * DAY + HOUR).map((b) => b.stats.cpu?.n),
    [2],
  );
  assert.deepEqual(store.samples(node.id, T0, now), [], 'no raw block for a minute past raw retention');
});
