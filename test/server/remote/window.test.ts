import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valuesRow } from '../../../src/protocol/row';
import { SeriesLabels } from '../../../src/server/remote/series-labels';
import { WindowSeries } from '../../../src/server/remote/window';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { tempDir } from '../../helpers';
import { decodeWriteRequest, snappyDecompress } from './decode';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

test('a window: a series once per request, oldest first (backfill after live); cut alike again, skipping those accepted', async (t) => {
  const store = openSqliteStore(tempDir(t), { outbox: true, now: () => NOW });
  t.after(() => store.close());
  const nodes = Array.from({ length: 30 }, (_, i) => store.addNode({ name: `n${i}`, group: '', location: 'JP', keyHash: `h${i}` }, NOW));
  store.outbox.keepTargets(['t']);
  const write = (s: number) =>
    store.writeSamples(nodes.map((n) => ({ nodeId: n.id, seq: s, ts: NOW + s * 1000, row: valuesRow({ cpu: s, load1: s / 10 }) })));
  for (const s of [5, 6, 7, 1, 2, 8]) write(s);
  const { afterId } = store.outbox.cursor('t');
  const toId = store.outbox.windowEnd(afterId, 100, 1000);
  const labels = new SeriesLabels(
    (id) => (id === nodes[0]!.id ? undefined : { name: `n${id}`, group: '', location: 'JP' }),
    (id) => store.outbox.nameOf(id),
  );
  const cut = async (skip: number) => {
    const window = new WindowSeries();
    await window.read(store.outbox, afterId, toId, labels);
    const out = [];
    for await (const r of window.requests(400, skip)) out.push(decodeWriteRequest(snappyDecompress(r.body)));
    return out;
  };
  const all = await cut(0);
  assert.ok(all.length > 3, `${all.length} requests`);
  const series = all.flat();
  assert.equal(series.length, 29 * 2, 'a series per node and metric, the removed node left out');
  for (const s of series) {
    assert.deepEqual(
      s.samples.map((x) => x.ts),
      [1, 2, 5, 6, 7, 8].map((k) => NOW + k * 1000),
    );
    assert.equal(s.labels.location, 'JP');
  }
  assert.deepEqual(await cut(2), all.slice(2));
});

test('one WindowSeries over many windows: renamed and removed nodes follow, and a window cuts as a fresh one would', async (t) => {
  const store = openSqliteStore(tempDir(t), { outbox: true, now: () => NOW });
  t.after(() => store.close());
  const nodes = Array.from({ length: 12 }, (_, i) => store.addNode({ name: `n${i}`, group: '', location: 'JP', keyHash: `h${i}` }, NOW));
  store.outbox.keepTargets(['t']);
  const names = new Map(nodes.map((n) => [n.id, `n${n.id}`]));
  const labels = new SeriesLabels(
    (id) => (names.has(id) ? { name: names.get(id)!, group: '', location: 'JP' } : undefined),
    (id) => store.outbox.nameOf(id),
  );
  const kept = new WindowSeries();
  const bodies = async (window: WindowSeries, afterId: number, toId: number) => {
    await window.read(store.outbox, afterId, toId, labels);
    const out: Buffer[] = [];
    for await (const r of window.requests(300, 0)) out.push(r.body);
    return out;
  };
  let afterId = store.outbox.cursor('t').afterId;
  for (let w = 0; w < 4; w++) {
    // Each window its own metric list for some nodes (a disk added), and backfill.
    for (const s of [3, 1, 2])
      store.writeSamples(
        nodes.map((n, i) => ({
          nodeId: n.id,
          seq: w * 10 + s,
          ts: NOW + (w * 10 + s) * 1000,
          row: valuesRow(i % 3 === w % 3 ? { cpu: s, load1: w, 'diskUsedBytes./data': 5 } : { cpu: s, load1: w }),
        })),
      );
    const toId = store.outbox.windowEnd(afterId, 100, 10_000);
    const reused = await bodies(kept, afterId, toId);
    assert.deepEqual(reused, await bodies(new WindowSeries(), afterId, toId), `window ${w}: the same requests as a fresh reader`);
    const series = reused.flatMap((b) => decodeWriteRequest(snappyDecompress(b)));
    const nodesSeen = new Set(series.map((s) => s.labels.node));
    assert.equal(nodesSeen.has(`n${nodes[4]!.id}`), w < 1, 'a removed node is not sent');
    assert.equal(nodesSeen.has(`renamed-${w}`), w >= 1, 'a renamed node goes under its new name');
    for (const s of series)
      assert.deepEqual(
        s.samples.map((x) => x.ts),
        [1, 2, 3].map((k) => NOW + (w * 10 + k) * 1000),
      );
    afterId = toId;
    names.delete(nodes[4]!.id);
    names.set(nodes[5]!.id, `renamed-${w + 1}`);
  }
});

test('a window numbers series as earlier versions did (node by node, column order, values or not), and a renamed node sending no metrics adds nothing', async (t) => {
  const store = openSqliteStore(tempDir(t), { outbox: true, now: () => NOW });
  t.after(() => store.close());
  const [a, b] = ['a', 'b'].map((name) => store.addNode({ name, group: '', location: '', keyHash: name }, NOW));
  store.outbox.keepTargets(['t']);
  const names = new Map([
    [a!.id, 'a'],
    [b!.id, 'b'],
  ]);
  const labels = new SeriesLabels(
    (id) => (names.has(id) ? { name: names.get(id)!, group: '', location: '' } : undefined),
    (id) => store.outbox.nameOf(id),
  );
  const window = new WindowSeries();
  let afterId = store.outbox.cursor('t').afterId;
  const cut = async (rows: { nodeId: number; values: Record<string, number> }[], seq: number) => {
    store.writeSamples(rows.map((r) => ({ nodeId: r.nodeId, seq, ts: NOW + seq * 1000, row: valuesRow(r.values) })));
    const toId = store.outbox.windowEnd(afterId, 100, 1000);
    await window.read(store.outbox, afterId, toId, labels);
    afterId = toId;
    const out = [];
    for await (const r of window.requests(1 << 20, 0)) out.push(...decodeWriteRequest(snappyDecompress(r.body)));
    return out.map((s) => `${s.labels.node} ${s.labels.__name__} ${s.samples.map((x) => x.value).join(',')}`);
  };
  // a's cpu has no value this window: its series still comes first, empty, as earlier versions cut it.
  assert.deepEqual(
    await cut(
      [
        { nodeId: a!.id, values: { cpu: Number.NaN, load1: 1 } },
        { nodeId: b!.id, values: { cpu: 2, load1: 3 } },
      ],
      1,
    ),
    ['a probe_cpu_usage_percent ', 'a probe_load1 1', 'b probe_cpu_usage_percent 2', 'b probe_load1 3'],
  );
  // a renamed, then a sample of no metrics from it: nothing of a, and b's series as they are.
  names.set(a!.id, 'a2');
  assert.deepEqual(
    await cut(
      [
        { nodeId: a!.id, values: {} },
        { nodeId: b!.id, values: { cpu: 7 } },
      ],
      2,
    ),
    ['b probe_cpu_usage_percent 7'],
  );
});
