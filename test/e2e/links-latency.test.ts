/**
 * A link with 300 ± 200 ms latency each way: the node stays online, nothing is lost with the real binaries through test/fault-proxy.ts (the rig: link-rig.ts). Agents sample
 * every second here so silence shows quickly; bench:chaos holds each fault for 60 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seeded, startFaultProxy } from '../fault-proxy';
import type { FaultProxy } from '../fault-proxy';
import { assertAllOnce, online, rig, sleep } from './link-rig';

test('300 ± 200 ms latency each way: the node stays online and every sample is stored once', { timeout: 90_000 }, async (t) => {
  let proxy: FaultProxy | null = null;
  const r = await rig(t, 1, async (port) => {
    proxy = await startFaultProxy(port, seeded(7));
    t.after(() => proxy!.close());
    return proxy.port;
  });
  proxy!.set({ latencyMs: 300, jitterMs: 200 });
  for (let i = 0; i < 40; i++) {
    assert.equal(await online(r.base), true, 'online throughout');
    await sleep(250);
  }
  assert.doesNotMatch(r.agents[0]!.stderr(), /no word from the server/);
  assertAllOnce(await r.finish(), 10);
});
