import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeDelta, NodeView } from '../../src/protocol/messages';
import { valuesRow } from '../../src/protocol/row';
import type { Row } from '../../src/protocol/row';
import type { LatestRow, NodeMeta } from '../../src/server/hub';
import { FrameWriter } from '../../src/server/frame-writer';
import { takeDelta } from '../../src/server/live-delta';
import type { Part } from '../../src/server/live-delta';
import { applyDelta } from '../../web/lib/nodes';

const { values: baseValues, ...baseMeta } = { id: 7, name: 'a', group: 'g', location: 'JP', online: true, lastSeen: 1000, os: 'Linux', arch: 'x64', cores: 2, monthRxBytes: 0, monthTxBytes: 0, periodStart: 0, notes: null, position: 0, values: { cpu: 1, memTotalBytes: 8e9, load1: 0.5 } } satisfies NodeView;
const latest = (row: Row): LatestRow => ({ names: row.names, data: Float64Array.from(row.data) });
const sentOf = (meta: NodeMeta, row: Row) => ({ meta: { ...meta }, names: row.names, data: Float64Array.from(row.data) });
const delta = (prev: Parameters<typeof takeDelta>[0], meta: NodeMeta, row: LatestRow, part: Part = 'overview'): NodeDelta | null => {
  const out = new FrameWriter();
  out.ascii('[');
  const written = takeDelta(prev, meta, row, out, part);
  assert.equal(written, out.length > 1, 'something is written exactly when it says so');
  out.ascii(']');
  return written ? (JSON.parse(out.copy().toString()) as NodeDelta[])[0]! : null;
};

test('a delta carries only what changed, and applying it reproduces the new state', () => {
  const base: NodeView = { ...baseMeta, values: baseValues };
  const nextValues = { cpu: 2, memTotalBytes: 8e9, uptimeSec: 5 };
  const d = delta(sentOf(baseMeta, valuesRow(baseValues)), { ...baseMeta, lastSeen: 2000 }, latest(valuesRow(nextValues)))!;
  assert.deepEqual(d, { id: 7, lastSeen: 2000, values: { cpu: 2, uptimeSec: 5, load1: null } });
  assert.deepEqual(applyDelta(base, d), { ...baseMeta, lastSeen: 2000, values: nextValues });
  assert.equal(delta(sentOf(baseMeta, valuesRow(baseValues)), { ...baseMeta }, latest(valuesRow({ ...baseValues }))), null, 'nothing changed: nothing sent');
  assert.deepEqual(applyDelta(undefined, base), base);
  assert.deepEqual(delta(sentOf(baseMeta, valuesRow(baseValues)), { ...baseMeta, online: false, notes: { billing: 'a "quoted" note' } }, latest(valuesRow(baseValues))), {
    id: 7,
    online: false,
    notes: { billing: 'a "quoted" note' },
  });
});

test('rows with the same names (one agent connection) are compared place by place; a value gone is null; what was sent is remembered', () => {
  const names = ['cpu', 'load1', 'memUsedBytes', 'diskUsedBytes./"x"'];
  const prev = sentOf(baseMeta, { names, data: [1, 0.5, 1e9, 7] });
  assert.deepEqual(delta(prev, { ...baseMeta }, latest({ names, data: [1, NaN, 2e9, 8] })), { id: 7, values: { load1: null, memUsedBytes: 2e9 } }, 'the overview: no per-filesystem value');
  assert.equal(delta(prev, { ...baseMeta }, latest({ names, data: [1, NaN, 2e9, 8] })), null, 'the same state again: nothing to send');
  assert.deepEqual(delta(prev, { ...baseMeta, lastSeen: 3000 }, latest({ names, data: [1, 0.75, 2e9, 8] })), { id: 7, lastSeen: 3000, values: { load1: 0.75 } });
  assert.equal(delta(prev, { ...baseMeta, lastSeen: 3000 }, latest({ names, data: [1, 0.75, 2e9, 8] })), null);

  // The detail of a watched node: only the metrics the overview leaves out, and no fields.
  const detail = sentOf(baseMeta, { names, data: [1, 0.5, 1e9, 7] });
  assert.deepEqual(delta(detail, { ...baseMeta, lastSeen: 3000 }, latest({ names, data: [2, 0.5, 1e9, 8] }), 'detail'), { id: 7, values: { 'diskUsedBytes./"x"': 8 } });
  assert.equal(delta(detail, { ...baseMeta, lastSeen: 4000 }, latest({ names, data: [3, 0.5, 1e9, 8] }), 'detail'), null);
  assert.deepEqual(delta(detail, { ...baseMeta }, latest({ names: ['cpu', 'cpuCore.0'], data: [3, 50] }), 'detail'), { id: 7, values: { 'cpuCore.0': 50, 'diskUsedBytes./"x"': null } }, 'new names: compared by name');
});

test('a viewer that falls behind skips deltas and gets one fresh snapshot once drained; nobody is cut for a big snapshot', async (t) => {
  const { Hub } = await import('../../src/server/hub');
  const { LiveGateway } = await import('../../src/server/live-gateway');
  const hub = new Hub([{ id: 1, name: 'a', group: '', location: '', keyHash: 'k', createdAt: 0, host: null, lastSeen: null, isLocal: false, hidden: null, position: 0 }]);
  const live = new LiveGateway(hub);
  t.after(() => live.close());
  const frames: string[] = [];
  let terminated = false;
  const viewer = { readyState: 1, OPEN: 1, bufferedAmount: 0, send: (data: string | Buffer) => frames.push(data.toString()), terminate: () => (terminated = true), close: () => undefined };
  (live['wss'].clients as Set<unknown>).add(viewer);
  const flush = () => live['flush']();

  hub.sample(1, 500, valuesRow({ cpu: 0 }));
  flush();
  assert.equal(JSON.parse(frames.at(-1)!).nodes[0].name, 'a', 'the first frame about a node carries all of it');
  hub.sample(1, 1000, valuesRow({ cpu: 1 }));
  flush();
  assert.deepEqual(JSON.parse(frames.at(-1)!), { type: 'update', nodes: [{ id: 1, lastSeen: 1000, values: { cpu: 1 } }] });

  viewer.bufferedAmount = 5 * 1024 * 1024;
  hub.sample(1, 2000, valuesRow({ cpu: 2 }));
  flush();
  hub.sample(1, 3000, valuesRow({ cpu: 3 }));
  flush();
  assert.equal(frames.length, 2, 'nothing more is queued on a viewer that is behind');
  assert.equal(terminated, false);

  viewer.bufferedAmount = 0;
  hub.sample(1, 4000, valuesRow({ cpu: 4 }));
  flush();
  const resync = JSON.parse(frames.at(-1)!);
  assert.equal(resync.type, 'snapshot', 'a drained viewer gets the whole current state');
  assert.equal(resync.nodes[0].values.cpu, 4);
  hub.sample(1, 5000, valuesRow({ cpu: 5 }));
  flush();
  assert.equal(JSON.parse(frames.at(-1)!).type, 'update', 'then deltas again');
  hub.sample(1, 6000, valuesRow({ cpu: 5, load1: 1 }));
  flush();
  hub.sample(1, 7000, valuesRow({ load1: 1 }));
  flush();
  assert.deepEqual(JSON.parse(frames.at(-1)!), { type: 'update', nodes: [{ id: 1, lastSeen: 7000, values: { cpu: null } }] }, 'a metric gone from the sample is removed');
  hub.sample(1, 8000, valuesRow({ load1: 1, cpu: 6 }));
  flush();
  assert.deepEqual(JSON.parse(frames.at(-1)!), { type: 'update', nodes: [{ id: 1, lastSeen: 8000, values: { cpu: 6 } }] }, 'and comes back as a change');
  (live['wss'].clients as Set<unknown>).delete(viewer);
});
