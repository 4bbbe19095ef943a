import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { diffNode } from '../../src/server/live-gateway';
import { applyDelta } from '../../web/lib/nodes';

const base: NodeView = { id: 7, name: 'a', group: 'g', location: 'JP', online: true, lastSeen: 1000, os: 'Linux', arch: 'x64', cores: 2, monthRxBytes: 0, monthTxBytes: 0, periodStart: 0, notes: null, position: 0, values: { cpu: 1, memTotalBytes: 8e9, load1: 0.5 } };

test('a delta carries only what changed, and applying it reproduces the new state', () => {
  const next: NodeView = { ...base, lastSeen: 2000, values: { cpu: 2, memTotalBytes: 8e9, uptimeSec: 5 } };
  const delta = diffNode(base, next)!;
  assert.deepEqual(delta, { id: 7, lastSeen: 2000, values: { cpu: 2, uptimeSec: 5, load1: null } });
  assert.deepEqual(applyDelta(base, delta), next);
  assert.equal(diffNode(next, { ...next, values: { ...next.values } }), null, 'nothing changed: nothing sent');
  assert.deepEqual(diffNode(undefined, next), next, 'a node the viewers do not know goes whole');
  assert.deepEqual(applyDelta(undefined, next), next);
  const offline = diffNode(next, { ...next, online: false })!;
  assert.deepEqual(offline, { id: 7, online: false });
});

test('a viewer that falls behind skips deltas and gets one fresh snapshot once drained; nobody is cut for a big snapshot', async (t) => {
  const { Hub } = await import('../../src/server/hub');
  const { LiveGateway } = await import('../../src/server/live-gateway');
  const hub = new Hub([{ id: 1, name: 'a', group: '', location: '', keyHash: 'k', createdAt: 0, host: null, lastSeen: null, isLocal: false, hidden: null, position: 0 }]);
  const live = new LiveGateway(hub);
  t.after(() => live.close());
  const frames: string[] = [];
  let terminated = false;
  const viewer = { readyState: 1, OPEN: 1, bufferedAmount: 0, send: (text: string) => frames.push(text), terminate: () => (terminated = true), close: () => undefined };
  (live['wss'].clients as Set<unknown>).add(viewer);
  const flush = () => live['flush']();

  hub.sample(1, 500, { cpu: 0 });
  flush();
  assert.equal(JSON.parse(frames.at(-1)!).nodes[0].name, 'a', 'the first frame about a node carries all of it');
  hub.sample(1, 1000, { cpu: 1 });
  flush();
  assert.deepEqual(JSON.parse(frames.at(-1)!), { type: 'update', nodes: [{ id: 1, lastSeen: 1000, values: { cpu: 1 } }] });

  viewer.bufferedAmount = 5 * 1024 * 1024;
  hub.sample(1, 2000, { cpu: 2 });
  flush();
  hub.sample(1, 3000, { cpu: 3 });
  flush();
  assert.equal(frames.length, 2, 'nothing more is queued on a viewer that is behind');
  assert.equal(terminated, false);

  viewer.bufferedAmount = 0;
  hub.sample(1, 4000, { cpu: 4 });
  flush();
  const resync = JSON.parse(frames.at(-1)!);
  assert.equal(resync.type, 'snapshot', 'a drained viewer gets the whole current state');
  assert.equal(resync.nodes[0].values.cpu, 4);
  hub.sample(1, 5000, { cpu: 5 });
  flush();
  assert.equal(JSON.parse(frames.at(-1)!).type, 'update', 'then deltas again');
  hub.sample(1, 6000, { cpu: 5, load1: 1 });
  flush();
  hub.sample(1, 7000, { load1: 1 });
  flush();
  assert.deepEqual(JSON.parse(frames.at(-1)!), { type: 'update', nodes: [{ id: 1, lastSeen: 7000, values: { cpu: null } }] }, 'a metric gone from the sample is removed');
  hub.sample(1, 8000, { load1: 1, cpu: 6 });
  flush();
  assert.deepEqual(JSON.parse(frames.at(-1)!), { type: 'update', nodes: [{ id: 1, lastSeen: 8000, values: { cpu: 6 } }] }, 'and comes back as a change');
  (live['wss'].clients as Set<unknown>).delete(viewer);
});
