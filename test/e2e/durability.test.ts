/**
 * kill -9 during ingest loses nothing: the server acks only committed samples, the agents resend
 * the rest, and every sequence number ends up stored exactly once. A short restart storm: the real
 * agent and a fleet of simulated ones (bench/agents.ts, one WebSocket each, samples kept in
 * memory until acked) through three kills a couple of seconds apart.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { generateKey, hashKey } from '../../src/server/fleet/keys';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { startFleet } from '../fleet';

const FLEET = 40;
const victim = (nodes: NodeView[]) => nodes.find((n) => n.name === 'victim');

test('the server killed with SIGKILL mid-ingest, restarted, three times: every sample of every agent stored exactly once', async (t) => {
  const dir = tempDir(t, 'probe-kill-');
  const data = path.join(dir, 'data');
  const startServer = async (listen: string) => {
    const proc = run(BINARY, ['server', '--listen', listen, '--data', data], { cwd: dir });
    const base = await listeningUrl(proc, 'server URL');
    return { proc, base };
  };
  const fleetKeys = Array.from({ length: FLEET }, () => generateKey());
  const store0 = openSqliteStore(data);
  fleetKeys.forEach((k, i) => store0.addNode({ name: `sim-${i}`, group: '', location: '', keyHash: hashKey(k) }, Date.now()));
  store0.close();
  let server = await startServer('127.0.0.1:0');
  const port = new URL(server.base).port;
  const out = execFileSync(BINARY, ['node', 'add', 'victim', '--data', data], { encoding: 'utf8' });
  const key = /\n {2}(pk_\S+)\n/.exec(out)![1]!;
  const fleet = await startFleet(dir, port, fleetKeys);
  t.after(() => fleet.stop());
  const agent = run(
    BINARY,
    ['agent', '--server', `ws://127.0.0.1:${port}`, '--interval', '1s', '--state-dir', path.join(dir, 'agent-state')],
    { cwd: dir, env: { PROBE_KEY: key } },
  );
  t.after(() => agent.stop('SIGKILL'));

  // Whichever server runs when the test ends, even one that failed halfway.
  t.after(() => server.proc.stop('SIGKILL'));
  for (let round = 0; round < 3; round++) {
    await waitFor('agent online', async () => victim(await getJson<NodeView[]>(`${server.base}/api/nodes`))?.online, 20_000);
    // Killed at a different point of the one-second sample cycle each round.
    await new Promise((r) => setTimeout(r, 1200 + round * 350));
    await server.proc.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    server = await startServer(`127.0.0.1:${port}`);
  }
  // A backlog of a few seconds goes in the first backfill step, as the connection opens. The agent
  // sends in order on one socket: once a sample made after that is in, the backlog is too, and the
  // server commits what it holds when it stops.
  await waitFor('the agent back after the last restart', () => (agent.stderr().match(/connected to server/g) ?? []).length >= 4, 30_000);
  const settled = await waitFor(
    'the fleet settled: every simulated agent back, nothing left unacked',
    async () => {
      const s = await fleet.stats();
      return s.open === FLEET && s.backlog === 0 ? s : null;
    },
    30_000,
    250,
  );
  assert.ok(settled.sent > FLEET * 4);
  const after = Date.now();
  await waitFor(
    'a sample made after the backfill',
    async () => (victim(await getJson<NodeView[]>(`${server.base}/api/nodes`))?.lastSeen ?? 0) > after,
    20_000,
  );
  await agent.stop('SIGTERM');
  fleet.pause();
  const final = await waitFor(
    "the fleet's last samples acked",
    async () => {
      const s = await fleet.stats();
      return s.acked === s.sent ? s : null;
    },
    20_000,
    250,
  );
  await server.proc.stop('SIGTERM');

  const store = openSqliteStore(data);
  t.after(() => store.close());
  const nodes = store.listNodes();
  const sims = nodes.filter((n) => n.name !== 'victim');
  const node = nodes.find((n) => n.name === 'victim');
  const seqs = store.samples(node!.id, 0, Date.now() + 60_000).map((s) => s.seq);
  assert.ok(seqs.length >= 6, `${seqs.length} samples`);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
    'every seq from 1 to the last, once, in order',
  );
  let stored = 0;
  for (const sim of sims) {
    const simSeqs = store.samples(sim.id, 0, Date.now() + 60_000).map((s) => s.seq);
    assert.deepEqual(
      [...simSeqs].sort((a, b) => a - b),
      Array.from({ length: simSeqs.length }, (_, i) => i + 1),
      `${sim.name}: every seq once`,
    );
    stored += simSeqs.length;
  }
  assert.equal(sims.length, FLEET);
  assert.equal(stored, final.sent, 'every sample the fleet took is stored');
});
