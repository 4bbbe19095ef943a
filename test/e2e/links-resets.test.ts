/**
 * A link that resets 10 % of connections a second for 10 s: every sample of three nodes stored once
 * with the real binaries through test/fault-proxy.ts (the rig: link-rig.ts). Agents sample every
 * second here so silence shows quickly; bench:chaos holds 5 % a second for 60 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seeded, startFaultProxy } from '../fault-proxy';
import type { FaultProxy } from '../fault-proxy';
import { assertAllOnce, rig, sleep } from './link-rig';

test('10 % of connections reset each second: every sample of three nodes stored once', { timeout: 120_000 }, async (t) => {
  let proxy: FaultProxy | null = null;
  const r = await rig(t, 3, async (port) => {
    proxy = await startFaultProxy(port, seeded(22));
    t.after(() => proxy!.close());
    return proxy.port;
  });
  proxy!.set({ resetPerSecond: 0.1 });
  await sleep(10_000);
  proxy!.set({});
  assert.ok(proxy!.stats.resets >= 1, `connections reset: ${proxy!.stats.resets}`);
  t.diagnostic(`${proxy!.stats.resets} resets of ${proxy!.stats.connections} connections`);
  assertAllOnce(await r.finish(), 10);
});
