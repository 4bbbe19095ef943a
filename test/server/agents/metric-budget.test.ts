import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import path from 'node:path';
import { test } from 'node:test';
import type { AdminNodeView, ServerMessage } from '../../../src/protocol/messages';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { waitFor } from '../../helpers';
import { TestAgent, client, helloAgent, helloMessage, startTestServer } from '../test-server';

/** `n` custom names, `custom.<prefix>_0` …, as an object-form sample's values. */
const named = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`custom.${prefix}_${i}`, i]));

const budgetErrors = (agent: TestAgent) => agent.of('error').filter((m) => m.code === 'PROBE_ERR_METRIC_BUDGET');

test("past its budget a node's samples are stored without their new names, the agent is told once per connection, the admin sees it", async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => (config.server.metricNamesPerNode = 100));
  const agent = await helloAgent(t, s, 'flooder');
  const t0 = Date.now();
  // 4 names of hello's list come with the first array sample; then 60 new names a sample.
  agent.sample(1, [1, 2, 3, 4], t0);
  agent.send({ type: 'sample', seq: 2, ts: t0 + 1, values: named('a', 60) });
  agent.send({ type: 'sample', seq: 3, ts: t0 + 2, values: { ...named('b', 60), 'custom.a_0': 7 } });
  agent.send({ type: 'sample', seq: 4, ts: t0 + 3, values: { ...named('c', 60), cpu: 5 } });
  agent.send({ type: 'sample', seq: 5, ts: t0 + 4, values: { 'custom.a_1': 8 } });
  await waitFor('every sample acked', () => agent.of('ack').some((a) => a.seq === 5));

  assert.equal(budgetErrors(agent).length, 1, 'told once, however many samples lose names');
  assert.match(budgetErrors(agent)[0]!.message, /100 metric names, its budget \(server\.metricNamesPerNode 100\).*custom\.b_36/);
  assert.equal(agent.closeCode, null, 'the connection stays open');

  const store = openSqliteStore(s.dataDir);
  t.after(() => store.close());
  const id = store.listNodes()[0]!.id;
  assert.equal(store.metricNames(id).length, 100);
  const stored = store.samples(id, t0, t0 + 10).map((x) => x.values);
  assert.equal(stored.length, 5, 'every sample stored');
  assert.equal(Object.keys(stored[2]!).length, 1 + 36, 'the third: custom.a_0 and the 36 new names that still fit');
  assert.deepEqual(stored[3], { cpu: 5 }, 'the fourth without any of its new names');
  assert.deepEqual(stored[4], { 'custom.a_1': 8 }, 'names it has are stored as ever');

  const admin = client(s);
  await admin.signIn();
  const nodes = (await admin.call('GET', '/api/admin/nodes')).body as unknown as AdminNodeView[];
  const view = nodes.find((n) => n.name === 'flooder')!.metricNames;
  assert.deepEqual(
    { ...view, lastRefusedAt: typeof view.lastRefusedAt },
    {
      names: 100,
      limit: 100,
      refusedSamples: 2,
      refusedNames: 24 + 60,
      lastRefusedAt: 'number',
      examples: ['custom.b_36', 'custom.b_37', 'custom.b_38', 'custom.b_39', 'custom.b_40'],
    },
  );

  // A new connection (an agent restart) is told again, once.
  agent.close();
  const key = await rotateAndReconnect(s);
  key.send({ type: 'sample', seq: 6, ts: t0 + 5, values: named('d', 3) });
  key.send({ type: 'sample', seq: 7, ts: t0 + 6, values: named('e', 3) });
  await waitFor('acked', () => key.of('ack').some((a) => a.seq === 7));
  assert.equal(budgetErrors(key).length, 1);
});

/** The flooder's node with a new key, and an agent on it that said hello. */
async function rotateAndReconnect(s: Awaited<ReturnType<typeof startTestServer>>): Promise<TestAgent> {
  const { rotateKey } = await import('../../../src/server/fleet/nodes');
  const store = openSqliteStore(s.dataDir);
  const key = rotateKey(store, 'flooder');
  store.close();
  const agent = await waitFor('the new key accepted', async () => {
    const a = new TestAgent(s.ws, key);
    try {
      await a.opened;
      return a;
    } catch {
      return null;
    }
  });
  agent.send(helloMessage());
  await waitFor('welcome', () => agent.of('welcome')[0]);
  return agent;
}

test('names a hello lists that the protocol does not know are not stored, not counted, and cost no notice', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => (config.server.metricNamesPerNode = 100));
  const junk = Array.from({ length: 200 }, (_, i) => `junk-${i}`);
  const agent = await helloAgent(t, s, 'odd', { metrics: ['cpu', ...junk] });
  assert.equal((agent.of('welcome')[0] as Extract<ServerMessage, { type: 'welcome' }>).ignoredMetrics.length, 200);
  agent.sample(1, [12, ...junk.map(() => 1)]);
  agent.sample(2, [13, ...junk.map(() => 1)]);
  await waitFor('acked', () => agent.of('ack').some((a) => a.seq === 2));
  const store = openSqliteStore(s.dataDir);
  t.after(() => store.close());
  assert.deepEqual(store.metricNames(store.listNodes()[0]!.id), ['cpu']);
  const db = new Database(path.join(s.dataDir, 'probe.db'), { readonly: true });
  t.after(() => db.close());
  assert.equal(
    (db.prepare("SELECT count(*) AS n FROM metric_names WHERE name LIKE 'junk-%'").get() as { n: number }).n,
    0,
    'not in the name table',
  );
  assert.equal(budgetErrors(agent).length, 0);
});
