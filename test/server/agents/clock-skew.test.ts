/**
 * Nodes whose clocks are off by minutes, hours or days: their samples are stored at the server's
 * time and shown live (issue 22), where an hour ahead once had every sample refused, forever.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { waitFor } from '../../helpers';
import { client, helloAgent, startTestServer } from '../test-server';
import type { TestServer } from '../test-server';

const HOUR = 3_600_000;

/** Every stored cpu sample of the node, in time order, read through a second connection as the CLI would. */
function stored(s: TestServer, name: string): { ts: number; cpu: number }[] {
  const store = openSqliteStore(s.dataDir);
  try {
    const node = store.listNodes().find((n) => n.name === name)!;
    return store.samples(node.id, 0, Date.now() + 10 * HOUR, ['cpu']).map((x) => ({ ts: x.ts, cpu: x.values.cpu ?? NaN }));
  } finally {
    store.close();
  }
}

for (const [label, skew] of [
  ['an hour ahead', HOUR],
  ['ten minutes behind', -10 * 60_000],
  ['three days behind', -72 * HOUR],
] as const) {
  test(`a node ${label}: every sample taken, stored at the server's time, shown live`, async (t) => {
    const s = await startTestServer(t);
    const agent = await helloAgent(t, s, 'skewed', { ts: Date.now() + skew });
    const sentAt: number[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      sentAt.push(Date.now());
      agent.sample(seq, [seq, 1, 2, 0.1], Date.now() + skew);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor('all acked', () => agent.of('ack').some((a) => a.seq === 5));
    assert.deepEqual(agent.of('error'), [], 'nothing refused');
    const view = (await (await fetch(`${s.base}/api/nodes`)).json()) as { name: string; values: { cpu?: number }; lastSeen: number }[];
    const node = view.find((n) => n.name === 'skewed')!;
    assert.equal(node.values.cpu, 5, 'the live value is the newest sample');
    assert.ok(Math.abs(node.lastSeen - Date.now()) < 5000, `last seen now, not ${label}`);
    const rows = await waitFor('stored', () => {
      const r = stored(s, 'skewed');
      return r.length === 5 ? r : null;
    });
    rows.forEach((row, i) =>
      assert.ok(Math.abs(row.ts - sentAt[i]!) < 2000, `sample ${i + 1} stored at the server's time (off by ${row.ts - sentAt[i]!} ms)`),
    );
    // The admin sees how far off the clock is (what to add to the node's stamps); guests do not.
    const admin = client(s);
    await admin.signIn();
    const nodes = (await admin.call('GET', '/api/admin/nodes')).body as unknown as { name: string; clockOffsetMs: number }[];
    const offset = nodes.find((n) => n.name === 'skewed')!.clockOffsetMs;
    assert.ok(Math.abs(offset + skew) < 2000, `clockOffsetMs ${offset} for a clock ${label}`);
    assert.equal('clockOffsetMs' in node, false, 'not in what guests get');
  });
}

test('a node clock stepped back an hour mid-run (NTP): nothing lost, nothing doubled, stored times keep their order', async (t) => {
  const s = await startTestServer(t);
  const agent = await helloAgent(t, s, 'stepped', { ts: Date.now() });
  let skew = 0;
  for (let seq = 1; seq <= 12; seq++) {
    if (seq === 7) skew = -HOUR;
    agent.sample(seq, [seq, 1, 2, 0.1], Date.now() + skew);
    await new Promise((r) => setTimeout(r, 30));
  }
  await waitFor('all acked', () => agent.of('ack').some((a) => a.seq === 12));
  const rows = await waitFor('stored', () => {
    const r = stored(s, 'stepped');
    return r.length >= 12 ? r : null;
  });
  assert.deepEqual(
    rows.map((r) => r.cpu).sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    'each sample once',
  );
  const last = rows.filter((r) => r.cpu >= 10);
  for (const r of last) assert.ok(Math.abs(r.ts - Date.now()) < 10_000, 'samples after the step confirmed are at the server time');
});
