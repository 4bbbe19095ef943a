/**
 * /ws/live over real sockets: every viewer gets the overview's metrics of every node; a viewer
 * watching a node gets that node whole and then its other metrics (per core, the cpu split) live,
 * and nobody else does. Bad or forbidden watch requests get a PROBE_ERR_* and the feed goes on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { DEFAULT_NODE_SETTINGS } from '../../../src/config/page';
import type { LiveMessage, LiveSnapshot, NodeDelta } from '../../../src/protocol/messages';
import { waitFor } from '../../helpers';
import { client, helloAgent, startTestServer } from '../test-server';
import type { TestServer } from '../test-server';

const METRICS = ['cpu', 'cpuUser', 'cpuCore.0', 'cpuCore.1', 'memUsedBytes'];

function viewer(t: { after(fn: () => unknown): void }, s: TestServer, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${s.ws}/ws/live`, { headers });
  const frames: LiveMessage[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as LiveMessage));
  t.after(() => ws.terminate());
  const opened = new Promise<void>((resolve) => ws.once('open', () => resolve()));
  /** Every value this viewer was sent for node `id`, in order. */
  const values = (id: number) =>
    frames.flatMap((f): Record<string, number | null>[] => {
      if (f.type === 'snapshot') return f.nodes.filter((n) => n.id === id).map((n) => n.values);
      if (f.type === 'node') return f.node.id === id ? [f.node.values] : [];
      if (f.type === 'update') return f.nodes.filter((n: NodeDelta) => n.id === id && n.values).map((n) => n.values!);
      return [];
    });
  const send = (msg: unknown) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  /** The snapshot the feed opened with. */
  const snapshot = async (): Promise<LiveSnapshot> => {
    await opened;
    return (await waitFor('snapshot', () => frames.find((f) => f.type === 'snapshot'))) as LiveSnapshot;
  };
  /** Watches the snapshot's first node and waits for it whole; its id. */
  const watchFirst = async (): Promise<number> => {
    const id = (await snapshot()).nodes[0]!.id;
    send({ type: 'watch', id });
    await waitFor('the watched node, whole', () => frames.find((f) => f.type === 'node'));
    return id;
  };
  /**
   * Waits until the server has read everything sent before and this viewer has every frame the
   * server wrote to it before: text that is not JSON gets an error back on the same ordered socket.
   */
  const roundTrip = async (): Promise<void> => {
    const errors = frames.filter((f) => f.type === 'error').length;
    send('{round trip');
    await waitFor('the round trip', () => frames.filter((f) => f.type === 'error').length > errors);
  };
  return { ws, frames, opened, values, send, snapshot, watchFirst, roundTrip };
}

/** An agent for node `name` sending METRICS, whose first sample (`first`) is stored. */
async function reportingAgent(t: { after(fn: () => unknown): void }, s: TestServer, name: string, first: number[]) {
  const agent = await helloAgent(t, s, name, { metrics: METRICS });
  agent.sample(1, first);
  await waitFor('acked', () => agent.of('ack').length > 0);
  return agent;
}

test('viewers get the overview metrics of every node; a watching viewer gets its node whole and its other metrics live', async (t) => {
  const s = await startTestServer(t);
  const agent = await reportingAgent(t, s, 'web-1', [10, 6, 9, 11, 1e9]);

  const watcher = viewer(t, s);
  const other = viewer(t, s);
  await Promise.all([watcher.opened, other.opened]);
  const snapshot = await other.snapshot();
  assert.equal(snapshot.type, 'snapshot');
  const id = snapshot.nodes[0]!.id;
  assert.deepEqual(snapshot.nodes[0]!.values, { cpu: 10, memUsedBytes: 1e9 }, 'the snapshot carries the overview metrics only');

  watcher.send({ type: 'watch', id });
  const whole = await waitFor('the watched node, whole', () => watcher.frames.find((f) => f.type === 'node'));
  assert.equal(whole.type, 'node');
  assert.deepEqual(whole.node.values, { cpu: 10, cpuUser: 6, 'cpuCore.0': 9, 'cpuCore.1': 11, memUsedBytes: 1e9 });
  assert.equal(whole.node.name, 'web-1');

  agent.sample(2, [15, 6, 20, 11, 1e9]);
  await waitFor('the watcher gets the core that changed', () => watcher.values(id).some((v) => v['cpuCore.0'] === 20));
  await waitFor('and the overview change', () => watcher.values(id).some((v) => v.cpu === 15));
  await waitFor('the other viewer gets the overview change', () => other.values(id).some((v) => v.cpu === 15));
  assert.ok(
    watcher.values(id).every((v) => !('cpuCore.1' in v) || v === whole.node.values),
    'an unchanged core is not sent again',
  );

  watcher.send({ type: 'watch', id: null });
  await watcher.roundTrip();
  const before = watcher.frames.length;
  agent.sample(3, [16, 7, 30, 12, 1e9]);
  await waitFor('the former watcher still gets the overview', () =>
    watcher.frames.slice(before).some((f) => f.type === 'update' && f.nodes.some((n) => n.values?.cpu === 16)),
  );
  await waitFor('the other viewer too', () => other.values(id).some((v) => v.cpu === 16));
  // A window's detail frames are written before its overview frame: any for sample 3 arrived already.
  assert.ok(
    watcher.frames
      .slice(before)
      .every(
        (f) =>
          f.type !== 'update' || f.nodes.every((n) => !n.values || Object.keys(n.values).every((m) => m === 'cpu' || m === 'memUsedBytes')),
      ),
    'after unwatching: overview metrics only',
  );
  assert.ok(
    other.values(id).every((v) => Object.keys(v).every((m) => m === 'cpu' || m === 'memUsedBytes')),
    'a viewer that never watched never got other metrics',
  );
});

test('a node watched by two viewers, one from before the other: both get every change', async (t) => {
  const s = await startTestServer(t);
  const agent = await reportingAgent(t, s, 'web-2', [10, 6, 1, 1, 1e9]);
  const first = viewer(t, s);
  const id = await first.watchFirst();
  // A change not yet sent when the second viewer starts watching (core 1 goes to 5 and stays):
  // both must end with it, though the second got it in its whole node.
  const second = viewer(t, s);
  await second.opened;
  agent.sample(2, [10, 6, 1, 5, 1e9]);
  second.send({ type: 'watch', id });
  await waitFor('the second watcher has the node whole', () => second.frames.find((f) => f.type === 'node'));
  agent.sample(3, [10, 6, 3, 5, 1e9]);
  for (const [name, v] of [
    ['first', first],
    ['second', second],
  ] as const) {
    await waitFor(`${name}: core 0 at 3 and core 1 at 5`, () => {
      const state: Record<string, number | null> = {};
      for (const values of v.values(id)) Object.assign(state, values);
      return state['cpuCore.0'] === 3 && state['cpuCore.1'] === 5;
    });
  }
});

test('bad and forbidden watch requests get PROBE_ERR codes and the feed goes on', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.nodes = { secret: { ...DEFAULT_NODE_SETTINGS, hidden: true } };
  });
  await reportingAgent(t, s, 'secret', [10, 6, 1, 1, 1e9]);
  const guest = viewer(t, s);
  assert.deepEqual((await guest.snapshot()).nodes, [], 'guests do not see the hidden node');

  const errors = () => guest.frames.filter((f) => f.type === 'error');
  const cases: [unknown, string][] = [
    ['{nope', 'PROBE_ERR_BAD_MESSAGE'],
    [{ type: 'watch', id: '1' }, 'PROBE_ERR_BAD_MESSAGE'],
    [{ type: 'watch', id: -1 }, 'PROBE_ERR_BAD_MESSAGE'],
    [{ type: 'subscribe', id: 1 }, 'PROBE_ERR_BAD_MESSAGE'],
    [{ type: 'watch', id: 999 }, 'PROBE_ERR_NOT_FOUND'],
    // The hidden node's id is 1: a guest learns nothing more about it than about a missing one.
    [{ type: 'watch', id: 1 }, 'PROBE_ERR_NOT_FOUND'],
  ];
  for (const [i, [msg, code]] of cases.entries()) {
    guest.send(msg);
    const error = await waitFor(`error for ${JSON.stringify(msg)}`, () => errors()[i]);
    assert.equal(error.type === 'error' && error.code, code);
  }
  assert.equal(guest.frames.filter((f) => f.type === 'node').length, 0);
  assert.equal(guest.ws.readyState, WebSocket.OPEN, 'the feed goes on');

  // A flood of requests closes the feed (the page reconnects by itself).
  const closed = new Promise<number>((resolve) => guest.ws.once('close', (code) => resolve(code)));
  for (let i = 0; i < 100; i++) guest.send({ type: 'watch', id: null });
  assert.equal(await closed, 1008);
});

test('a guest watching a node the admin hides gets nothing of it; shown again, it comes whole with what changed meanwhile', async (t) => {
  const s = await startTestServer(t);
  const admin = client(s);
  await admin.signIn();
  const agent = await reportingAgent(t, s, 'web-3', [10, 6, 1, 1, 1e9]);
  const guest = viewer(t, s);
  const id = await guest.watchFirst();
  const adminFeed = viewer(t, s, { Cookie: admin.cookieHeader() });
  await adminFeed.snapshot();

  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${id}`, { hidden: true })).status, 200);
  await waitFor('the guest is told it is gone', () => guest.frames.some((f) => f.type === 'remove' && f.ids.includes(id)));
  const hiddenFrom = guest.frames.length;
  agent.sample(2, [20, 6, 2, 7, 1e9]);
  await waitFor('the admin gets the sample', () => adminFeed.values(id).some((v) => v.cpu === 20));
  // Whatever the window that carried it to the admin wrote to the guest has arrived after this.
  await guest.roundTrip();
  assert.deepEqual(
    guest.frames.slice(hiddenFrom).filter((f) => f.type !== 'error'),
    [],
    'nothing of the hidden node, detail or overview',
  );

  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${id}`, { hidden: false })).status, 200);
  // No sample comes meanwhile: the node must come whole though none of its metrics changes in that window.
  await waitFor('the node back in the overview', () =>
    guest.frames.slice(hiddenFrom).some((f) => f.type === 'update' && f.nodes.some((n) => n.id === id && n.name === 'web-3')),
  );
  const whole = await waitFor('the watched node whole again', () => guest.frames.slice(hiddenFrom).find((f) => f.type === 'node'));
  assert.equal(whole.type === 'node' && whole.node.values['cpuCore.1'], 7, 'with the core that changed while hidden');
  agent.sample(3, [30, 6, 3, 7, 1e9]);
  await waitFor('and its detail live again', () => guest.values(id).some((v) => v['cpuCore.0'] === 3));
});
