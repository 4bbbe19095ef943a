import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServerClock } from '../../src/server/server-clock';
import { createMemoryStore } from '../../src/store/memory-store';
import { SteadyTime } from '../../src/util/steady-time';
import { ManualClock } from '../manual-clock';

const T0 = 1_700_000_000_000;

function machine() {
  const c = { wall: T0, mono: 0 };
  return {
    c,
    run(ms: number) {
      c.wall += ms;
      c.mono += ms;
    },
    /** A new process: the monotonic clock starts over. */
    boot: () =>
      new SteadyTime(
        () => c.wall,
        () => c.mono,
      ),
  };
}

test('a restart on a clock stepped back resumes where the server was, less the easing it missed', () => {
  const store = createMemoryStore();
  const m = machine();
  const timers = new ManualClock(T0);
  let time = m.boot();
  let server = startServerClock(store, [], timers, time, () => m.c.wall);
  m.run(1000);
  m.c.wall -= 120_000;
  m.run(1000);
  assert.ok(time.now() > T0 + 1000);
  assert.ok(server.health().clockAheadMs! > 118_000);
  assert.equal(server.health().clockStepMs, -120_000);
  timers.advance(5000);
  const before = time.now();
  server.stop();

  // Down for 16 s: had it run, it would have eased back 1 s of the 120.
  m.run(16_000);
  time = m.boot();
  server = startServerClock(store, [], timers, time, () => m.c.wall);
  const resumed = time.now();
  const expected = before + 16_000 - 1000;
  assert.ok(Math.abs(resumed - expected) < 400, `resumed ${resumed - expected} ms off`);
  server.stop();
});

test('a restart never starts before the newest sample stored; on time, nothing is saved', () => {
  const store = createMemoryStore();
  const m = machine();
  const time = m.boot();
  const server = startServerClock(store, [{ nodeId: 1, ts: T0 + 30_000, seq: 1, values: {} }], new ManualClock(T0), time, () => m.c.wall);
  assert.equal(time.now(), T0 + 30_000);
  server.stop();

  const other = createMemoryStore();
  const onTime = startServerClock(other, [{ nodeId: 1, ts: T0 - 1000, seq: 1, values: {} }], new ManualClock(T0), m.boot(), () => m.c.wall);
  assert.equal(other.getSetting('serverClock'), null);
  assert.deepEqual(onTime.health(), {});
  onTime.stop();
});
