/**
 * Issue 17, item 1 with the real executable: one node key floods samples full of new metric names
 * (200 a second, 200 new names each, 8 s) while the real agent reports another node every second.
 * The honest node is never shown offline or cut, no offline alert fires for it, the flooder is
 * told once and stays connected, a history answer stays small, and `probe node remove` takes the
 * flooder's names away. Offline rules judge a node that reported since the server started at once
 * (no 60 s grace for it), so a false offline alert could fire during the flood.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { writeFileSync } from 'node:fs';
import { BINARY, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { startReceiver } from '../notify/receiver';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function addNode(dataDir: string, name: string): string {
  const out = execFileSync(BINARY, ['node', 'add', name, '--data', dataDir], { encoding: 'utf8' });
  return /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(out)![1]!;
}

test('a metric-name flood from one key: the other agent is never cut, no false offline alert, the flooder told once, its names go with it', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir(t, 'probe-flood-');
  const dataDir = path.join(dir, 'data');
  writeFileSync(
    path.join(dir, 'probe.json'),
    JSON.stringify({
      notifications: { hook: { type: 'webhook', url: receiver.url } },
      alerts: { rules: [{ name: 'node-down', kind: 'offline', for: '3s', notify: ['hook'] }] },
    }),
  );
  const server = run(BINARY, ['server', '--config', 'probe.json', '--listen', '127.0.0.1:0', '--data', dataDir], { cwd: dir });
  t.after(() => server.stop());
  const base = await listeningUrl(server, 'server URL');
  const honestKey = addNode(dataDir, 'honest');
  const floodKey = addNode(dataDir, 'flood');
  const agent = run(BINARY, ['agent', '--server', base.replace('http', 'ws'), '--interval', '1s', '--state-dir', path.join(dir, 'agent')], {
    cwd: dir,
    env: { PROBE_KEY: honestKey },
  });
  t.after(() => agent.stop());
  const honestOnline = async () =>
    ((await (await fetch(`${base}/api/nodes`)).json()) as { name: string; online: boolean }[]).find((n) => n.name === 'honest')?.online ===
    true;
  await waitFor('the honest agent online', honestOnline, 20_000);

  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/agent`, { headers: { Authorization: `Bearer ${floodKey}` } });
  t.after(() => ws.terminate());
  const told: string[] = [];
  let closed: number | null = null;
  ws.on('message', (d) => {
    const msg = JSON.parse(String(d)) as { type: string; code?: string };
    if (msg.type === 'error') told.push(msg.code!);
  });
  ws.on('close', (code) => (closed = code));
  await new Promise((r) => ws.once('open', r));
  ws.send(
    JSON.stringify({
      type: 'hello',
      protocol: 1,
      agentVersion: 'flood',
      intervalMs: 1000,
      host: { hostname: 'f', os: 'x', kernel: 'x', arch: 'x64', cpuModel: 'x', cores: 1, bootTime: 0 },
      metrics: ['cpu'],
    }),
  );

  // The flood, with the honest node watched every 250 ms throughout and 5 s after.
  let offline = 0;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      if (!(await honestOnline())) offline++;
      await sleep(250);
    }
  })();
  const t0 = Date.now();
  for (let seq = 1; seq <= 1600; seq++) {
    const values = Object.fromEntries(Array.from({ length: 200 }, (_, n) => [`custom.flood_${seq}_${n}`, n]));
    ws.send(JSON.stringify({ type: 'sample', seq, ts: t0 + seq, values }));
    if (seq % 10 === 0) await sleep(Math.max(0, t0 + seq * 5 - Date.now()));
  }
  // Then it goes on sampling every second like any agent (silence past the 15 s after hello is a
  // cut, and a loaded machine stretches the flood past that).
  for (let seq = 1601; seq <= 1605; seq++) {
    ws.send(JSON.stringify({ type: 'sample', seq, ts: Date.now(), values: { cpu: 1 } }));
    await sleep(1000);
  }
  watching = false;
  await watch;

  assert.equal(offline, 0, 'the honest node was never shown offline');
  assert.doesNotMatch(
    server.stderr(),
    /node=honest.*(dropping its connection|disconnected)|(dropping its connection|disconnected).*node=honest/,
  );
  assert.doesNotMatch(agent.stderr(), /no word from the server|cannot reach server/, 'the agent never gave up on the server');
  assert.deepEqual(
    receiver.requests.filter((r) => r.body?.node === 'honest').map((r) => r.body.state),
    [],
    'no offline alert for it',
  );
  assert.deepEqual(told, ['PROBE_ERR_METRIC_BUDGET'], 'the flooder is told once');
  assert.equal(closed, null, 'and stays connected: its samples are stored');
  assert.equal(server.stderr().match(/PROBE_ERR_METRIC_BUDGET/g)?.length, 1, 'one line in the server log');

  const floodId = ((await (await fetch(`${base}/api/nodes`)).json()) as { id: number; name: string }[]).find((n) => n.name === 'flood')!.id;
  const history = await (await fetch(`${base}/api/nodes/${floodId}/history?range=1h`)).text();
  assert.ok(history.length < 2_000_000, `history without metrics=: ${history.length} bytes`);

  // The names the node sent; an hour's rollup adds `:min`, `:max` and `:n` beside each (the run
  // that crossed 19:00 counted 4 000), which the budget does not count.
  const floodNames = (withStats = false) => {
    const db = new Database(path.join(dataDir, 'probe.db'), { readonly: true });
    try {
      const where = `name LIKE 'custom.flood%'${withStats ? '' : " AND name NOT LIKE '%:%'"}`;
      return (db.prepare(`SELECT count(*) AS n FROM metric_names WHERE ${where}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  assert.ok(floodNames() <= 1000, `at most the budget stored: ${floodNames()}`);
  ws.close();
  execFileSync(BINARY, ['node', 'remove', 'flood', '--data', dataDir]);
  assert.equal(floodNames(true), 0, "probe node remove takes the node's names with it");
});
