/**
 * A link that silently drops everything (no FIN, no RST): the node is shown offline within two
 * intervals (the server's silence rule) and back after, and nothing is lost with the real binaries through test/fault-proxy.ts (the rig: link-rig.ts). Agents sample
 * every second here so silence shows quickly; bench:chaos holds each fault for 60 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFaultProxy } from '../fault-proxy';
import type { FaultProxy } from '../fault-proxy';
import { waitFor } from '../helpers';
import { assertAllOnce, online, rig, sleep } from './link-rig';

test('a black-holed link (no FIN, no RST): offline within two intervals, back after, nothing lost', { timeout: 90_000 }, async (t) => {
  let proxy: FaultProxy | null = null;
  const r = await rig(t, 1, async (port) => {
    proxy = await startFaultProxy(port);
    t.after(() => proxy!.close());
    return proxy.port;
  });
  await sleep(2000);
  const start = Date.now();
  proxy!.set({ blackhole: true });
  await waitFor('offline', async () => !(await online(r.base)), 10_000, 100);
  const offlineMs = Date.now() - start;
  assert.ok(offlineMs <= 2 * 1000 + 1500, `shown offline after ${offlineMs} ms (two intervals, checked every few hundred ms)`);
  await sleep(8000 - offlineMs);
  proxy!.set({});
  const healed = Date.now();
  await waitFor('online again', () => online(r.base), 30_000, 100);
  t.diagnostic(`offline after ${offlineMs} ms, online ${Date.now() - healed} ms after the link healed`);
  assertAllOnce(await r.finish(), 12);
});
