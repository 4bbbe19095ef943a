import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeDelta, NodeView } from '../../../src/protocol/messages';
import { valuesRow } from '../../../src/protocol/row';
import type { Row } from '../../../src/protocol/row';
import type { LatestRow } from '../../../src/server/fleet/hub';
import type { NodeMeta } from '../../../src/server/fleet/node-state';
import { FrameWriter } from '../../../src/server/live/frame-writer';
import { takeDelta } from '../../../src/server/live/live-delta';
import type { Part } from '../../../src/server/live/live-delta';
import { Hub } from '../../../src/server/fleet/hub';
import { LiveGateway, STUCK_MS, WINDOW_MS } from '../../../src/server/live/live-gateway';
import { applyDelta } from '../../../web/lib/nodes';
import { ManualClock } from '../../manual-clock';
import { nodeRecord } from '../node-record';

const { values: baseValues, ...baseMeta } = {
  id: 7,
  name: 'a',
  group: 'g',
  location: 'JP',
  online: true,
  lastSeen: 1000,
  os: 'Linux',
  arch: 'x64',
  cores: 2,
  monthRxBytes: 0,
  monthTxBytes: 0,
  periodStart: 0,
  notes: null,
  position: 0,
  values: { cpu: 1, memTotalBytes: 8e9, load1: 0.5 },
} satisfies NodeView;
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
  assert.equal(
    delta(sentOf(baseMeta, valuesRow(baseValues)), { ...baseMeta }, latest(valuesRow({ ...baseValues }))),
    null,
    'nothing changed: nothing sent',
  );
  assert.deepEqual(applyDelta(undefined, base), base);
  assert.deepEqual(
    delta(
      sentOf(baseMeta, valuesRow(baseValues)),
      { ...baseMeta, online: false, notes: { billing: 'a "quoted" note' } },
      latest(valuesRow(baseValues)),
    ),
    {
      id: 7,
      online: false,
      notes: { billing: 'a "quoted" note' },
    },
  );
});

test('rows with the same names (one agent connection) are compared place by place; a value gone is null; what was sent is remembered', () => {
  const names = ['cpu', 'load1', 'memUsedBytes', 'diskUsedBytes./"x"'];
  const prev = sentOf(baseMeta, { names, data: [1, 0.5, 1e9, 7] });
  assert.deepEqual(
    delta(prev, { ...baseMeta }, latest({ names, data: [1, NaN, 2e9, 8] })),
    { id: 7, values: { load1: null, memUsedBytes: 2e9 } },
    'the overview: no per-filesystem value',
  );
  assert.equal(delta(prev, { ...baseMeta }, latest({ names, data: [1, NaN, 2e9, 8] })), null, 'the same state again: nothing to send');
  assert.deepEqual(delta(prev, { ...baseMeta, lastSeen: 3000 }, latest({ names, data: [1, 0.75, 2e9, 8] })), {
    id: 7,
    lastSeen: 3000,
    values: { load1: 0.75 },
  });
  assert.equal(delta(prev, { ...baseMeta, lastSeen: 3000 }, latest({ names, data: [1, 0.75, 2e9, 8] })), null);

  // The detail of a watched node: only the metrics the overview leaves out, and no fields.
  const detail = sentOf(baseMeta, { names, data: [1, 0.5, 1e9, 7] });
  assert.deepEqual(delta(detail, { ...baseMeta, lastSeen: 3000 }, latest({ names, data: [2, 0.5, 1e9, 8] }), 'detail'), {
    id: 7,
    values: { 'diskUsedBytes./"x"': 8 },
  });
  assert.equal(delta(detail, { ...baseMeta, lastSeen: 4000 }, latest({ names, data: [3, 0.5, 1e9, 8] }), 'detail'), null);
  assert.deepEqual(
    delta(detail, { ...baseMeta }, latest({ names: ['cpu', 'cpuCore.0'], data: [3, 50] }), 'detail'),
    { id: 7, values: { 'cpuCore.0': 50, 'diskUsedBytes./"x"': null } },
    'new names: compared by name',
  );
});

/** A LiveGateway on a ManualClock with one stand-in viewer (a socket whose backlog the test sets). */
function gatewayOnClock(t: { after(fn: () => unknown): void }) {
  const clock = new ManualClock();
  const hub = new Hub([nodeRecord(1, 'a')], { now: () => clock.now() });
  const live = new LiveGateway(hub, clock);
  const frames: string[] = [];
  const viewer = {
    readyState: 1,
    OPEN: 1,
    bufferedAmount: 0,
    terminated: false,
    send: (data: string | Buffer) => frames.push(data.toString()),
    terminate: () => (viewer.terminated = true),
    close: () => undefined,
  };
  // biome-ignore lint/complexity/useLiteralKeys: the socket server is private; the test reaches in on purpose
  const clients = live['wss'].clients as Set<unknown>;
  clients.add(viewer);
  t.after(() => (clients.delete(viewer), live.close()));
  /** A sample at `ts`, then one window. */
  const sample = async (ts: number, values: Record<string, number>) => {
    hub.sample(1, ts, valuesRow(values));
    await clock.advance(WINDOW_MS);
  };
  return { clock, hub, viewer, frames, sample };
}

test('a viewer that falls behind skips deltas and gets one fresh snapshot once drained; nobody is cut for a big snapshot', async (t) => {
  const { viewer, frames, sample } = gatewayOnClock(t);
  await sample(500, { cpu: 0 });
  assert.equal(JSON.parse(frames.at(-1)!).nodes[0].name, 'a', 'the first frame about a node carries all of it');
  await sample(1000, { cpu: 1 });
  assert.deepEqual(JSON.parse(frames.at(-1)!), { type: 'update', nodes: [{ id: 1, lastSeen: 1000, values: { cpu: 1 } }] });

  viewer.bufferedAmount = 5 * 1024 * 1024;
  await sample(2000, { cpu: 2 });
  await sample(3000, { cpu: 3 });
  assert.equal(frames.length, 2, 'nothing more is queued on a viewer that is behind');
  assert.equal(viewer.terminated, false);

  viewer.bufferedAmount = 0;
  await sample(4000, { cpu: 4 });
  const resync = JSON.parse(frames.at(-1)!);
  assert.equal(resync.type, 'snapshot', 'a drained viewer gets the whole current state');
  assert.equal(resync.nodes[0].values.cpu, 4);
  await sample(5000, { cpu: 5 });
  assert.equal(JSON.parse(frames.at(-1)!).type, 'update', 'then deltas again');
  await sample(6000, { cpu: 5, load1: 1 });
  await sample(7000, { load1: 1 });
  assert.deepEqual(
    JSON.parse(frames.at(-1)!),
    { type: 'update', nodes: [{ id: 1, lastSeen: 7000, values: { cpu: null } }] },
    'a metric gone from the sample is removed',
  );
  await sample(8000, { load1: 1, cpu: 6 });
  assert.deepEqual(
    JSON.parse(frames.at(-1)!),
    { type: 'update', nodes: [{ id: 1, lastSeen: 8000, values: { cpu: 6 } }] },
    'and comes back as a change',
  );
});

test('a viewer behind for STUCK_MS is cut; one behind a moment less is not', async (t) => {
  const { clock, viewer, sample } = gatewayOnClock(t);
  await sample(500, { cpu: 0 });
  viewer.bufferedAmount = 5 * 1024 * 1024;
  await sample(1000, { cpu: 1 });
  const behindFrom = clock.now();
  for (let i = 2; clock.now() - behindFrom < STUCK_MS; i++) await sample(i * 1000, { cpu: i });
  assert.equal(viewer.terminated, false, `behind ${STUCK_MS} ms`);
  await sample(999_000, { cpu: 999 });
  assert.equal(viewer.terminated, true, 'behind a window longer');
});

test('a window closes when a sample arrives after its end, however late its timer runs (a busy loop reads sockets first)', async (t) => {
  const { clock, hub, frames, sample } = gatewayOnClock(t);
  await sample(500, { cpu: 0 });
  const sent = frames.length;
  clock.set(clock.now() + WINDOW_MS);
  hub.sample(1, 1000, valuesRow({ cpu: 1 }));
  assert.equal(frames.length, sent + 1, 'sent by the sample, before any timer fired');
  assert.deepEqual(JSON.parse(frames.at(-1)!), { type: 'update', nodes: [{ id: 1, lastSeen: 1000, values: { cpu: 1 } }] });
  hub.sample(1, 1001, valuesRow({ cpu: 2 }));
  assert.equal(frames.length, sent + 1, 'the next window is not over yet');
  await clock.advance(WINDOW_MS);
  assert.equal(frames.length, sent + 2, 'the timer sends it');
});

test('an idle feed sets no window timer: one is set by a change and closes that window WINDOW_MS after the last', async (t) => {
  const { clock, hub, frames, sample } = gatewayOnClock(t);
  await sample(500, { cpu: 0 });
  const idle = clock.timers;
  await clock.advance(10 * WINDOW_MS);
  assert.equal(clock.timers, idle, 'nothing changed: no window timer (only the 1 s sign-in recheck)');
  const before = frames.length;
  hub.sample(1, 1000, valuesRow({ cpu: 1 }));
  assert.equal(frames.length, before + 1, 'a window long over: the sample went out at once');
  const sent = frames.length;
  clock.set(clock.now() + 1);
  hub.sample(1, 1001, valuesRow({ cpu: 2 }));
  assert.equal(clock.timers, idle + 1, 'a change waits for its window');
  await clock.advance(WINDOW_MS - 2);
  assert.equal(frames.length, sent);
  await clock.advance(1);
  assert.equal(frames.length, sent + 1, 'out WINDOW_MS after the last window');
  assert.equal(clock.timers, idle, 'and the timer is gone');
});
