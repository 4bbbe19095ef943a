/**
 * Remote write through trouble: every sample stored arrives in VictoriaMetrics exactly once through
 * a VictoriaMetrics outage of 8 s (30 min in the issue: the same path, a longer backlog) and a
 * kill -9 of the server (and so of its remote-write thread, mid-window).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { generateKey, hashKey } from '../../src/server/fleet/keys';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { startFleet } from '../fleet';
import { tempDir, waitFor } from '../helpers';
import { addNode, figure, sleep, startAgent, startServer } from './remote-write-rig';
import { exportSeries, freePort, startVictoriaMetrics } from './tsdb';

test('remote write: through a VictoriaMetrics outage of 8 s and a kill -9 of the server, every stored sample arrives once', async (t) => {
  const dir = tempDir(t, 'probe-rw-outage-');
  const data = path.join(dir, 'data');
  const vmPort = await freePort();
  let vm = await startVictoriaMetrics(dir, vmPort);
  t.after(() => vm.proc.stop('SIGKILL'));
  const fleetKeys = Array.from({ length: 20 }, () => generateKey());
  const store0 = openSqliteStore(data);
  fleetKeys.forEach((k, i) => store0.addNode({ name: `sim-${i}`, group: 'sim', location: '', keyHash: hashKey(k) }, Date.now()));
  store0.close();
  const agentKey = addNode(data, 'n1');
  let server = await startServer(dir, data, vm.writeUrl);
  t.after(() => server.proc.stop('SIGKILL'));
  const port = new URL(server.base).port;
  const fleet = await startFleet(dir, port, fleetKeys);
  t.after(() => fleet.stop());
  const agent = startAgent(dir, server.base, agentKey);
  t.after(() => agent.stop('SIGKILL'));
  await waitFor('samples sent', async () => (await figure(server.base, 'probe_remote_write_sent_values_total')) > 0, 20_000, 250);
  assert.match(server.proc.stderr(), /remote write runs in a worker thread/, 'the executable sends from its worker thread');

  await vm.proc.stop('SIGTERM');
  const ackedBefore = (await fleet.stats()).acked;
  await sleep(8000);
  const ackedDuring = (await fleet.stats()).acked - ackedBefore;
  assert.ok(ackedDuring >= fleetKeys.length * 6, `acks go on while the TSDB is down (${ackedDuring} in 8 s)`);
  assert.ok((await figure(server.base, 'probe_remote_write_failures_total')) > 0, 'the outage is seen');
  assert.ok((await figure(server.base, 'probe_remote_write_pending_samples')) > 100, 'samples wait in the outbox');
  assert.ok((await figure(server.base, 'probe_remote_write_lag_seconds')) > 5);
  vm = await startVictoriaMetrics(dir, vmPort);
  await waitFor('the backlog sent', async () => (await figure(server.base, 'probe_remote_write_lag_seconds')) < 8, 30_000, 250);

  await sleep(1700);
  await server.proc.stop('SIGKILL');
  await sleep(1000);
  server = await startServer(dir, data, vm.writeUrl, `127.0.0.1:${port}`);
  await waitFor('the agent back', () => (agent.stderr().match(/connected to server/g) ?? []).length >= 2, 20_000);
  await sleep(3000);
  await agent.stop('SIGTERM');
  fleet.pause();
  await waitFor(
    'the fleet acked',
    async () => {
      const s = await fleet.stats();
      return s.open === fleetKeys.length && s.acked === s.sent;
    },
    20_000,
    250,
  );
  await waitFor('nothing pending', async () => (await figure(server.base, 'probe_remote_write_pending_samples')) === 0, 20_000, 250);
  await server.proc.stop('SIGTERM');

  const store = openSqliteStore(data);
  t.after(() => store.close());
  const exported = new Map((await exportSeries(vm, 'probe_memory_total_bytes')).map((s) => [s.metric.node!, s.timestamps]));
  let compared = 0;
  for (const node of store.listNodes()) {
    const stored = store.samples(node.id, 0, Date.now() + 60_000, ['memTotalBytes']).filter((s) => s.values.memTotalBytes !== undefined);
    const sent = [...(exported.get(node.name) ?? [])].sort((a, b) => a - b);
    assert.deepEqual(
      sent,
      stored.map((s) => s.ts),
      `${node.name}: every stored sample once`,
    );
    compared += stored.length;
  }
  assert.ok(compared > 21 * 15, `${compared} samples compared`);
});
