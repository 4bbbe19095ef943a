import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ClockStep, SteadyTime } from '../../src/util/steady-time';

/** A system clock a test can step, and a monotonic clock that only runs. */
function clocks(start = 1_700_000_000_000) {
  const c = { wall: start, mono: 0 };
  return {
    c,
    run(ms: number) {
      c.wall += ms;
      c.mono += ms;
    },
    time: new SteadyTime(
      () => c.wall,
      () => c.mono,
    ),
  };
}

test('on a clock that only runs, it is the system clock', () => {
  const { c, run, time } = clocks();
  for (let i = 0; i < 10; i++) {
    run(1000);
    assert.equal(time.now(), c.wall);
  }
  assert.equal(time.aheadMs, 0);
  assert.equal(time.lastStep, null);
});

test('a step back: time goes on counting, then eases back to the system clock at 1/16 of its pace', () => {
  const { c, run, time } = clocks();
  const steps: ClockStep[] = [];
  time.onStep((s) => steps.push(s));
  run(1000);
  const before = time.now();
  c.wall -= 60_000;
  run(1000);
  const after = time.now();
  assert.ok(after > before, 'never back');
  assert.ok(after - before >= 1000 * (15 / 16) - 1 && after - before <= 1000, `${after - before} ms for 1 s`);
  assert.deepEqual(
    steps.map((s) => s.byMs),
    [-60_000],
  );
  assert.equal(time.lastStep?.at, c.wall);
  // Every stamp later than the one before, 1 s apart in real time: none reused.
  let prev = after;
  let seconds = 1;
  while (time.aheadMs > 0) {
    run(1000);
    const t = time.now();
    assert.ok(t > prev && t - prev >= 1000 * (15 / 16) - 1, `${t - prev} ms for 1 s`);
    prev = t;
    seconds++;
    assert.ok(seconds < 20 * 60, 'made up within 20 min');
  }
  // 60 s made up at 1/16: 16 min, give or take the last second of the tolerance.
  assert.ok(seconds > 14 * 60 && seconds <= 16 * 60 + 2, `${seconds} s`);
  run(1000);
  assert.equal(time.now(), c.wall, 'on the system clock again');
  assert.equal(steps.length, 1, 'one step seen');
});

test('a step forward is taken at once and reported', () => {
  const { c, run, time } = clocks();
  run(1000);
  c.wall += 3_600_000;
  run(1000);
  assert.equal(time.now(), c.wall);
  assert.deepEqual(time.lastStep, { at: c.wall, byMs: 3_600_000 });
  assert.equal(time.aheadMs, 0);
});

test('NTP slewing (ms per s) is followed and no step is reported; a small step back waits, never goes back', () => {
  const { c, run, time } = clocks();
  let prev = time.now();
  for (let i = 0; i < 100; i++) {
    run(1000);
    c.wall += i % 2 ? 5 : -5;
    const t = time.now();
    assert.ok(t >= prev);
    prev = t;
  }
  assert.equal(time.lastStep, null);
  c.wall -= 500;
  run(100);
  assert.equal(time.now(), prev, 'waits for the clock to come back');
  run(600);
  assert.equal(time.now(), c.wall);
});

test('notBefore: a restart on a clock behind what is stored starts after it, and eases back', () => {
  const { c, run, time } = clocks();
  const stored = c.wall + 120_000;
  time.notBefore(stored);
  assert.equal(time.now(), stored);
  assert.equal(time.lastStep?.byMs, -120_000);
  assert.ok(time.aheadMs >= 119_000);
  run(1000);
  const t = time.now();
  assert.ok(t > stored && t < stored + 1000);
  time.notBefore(c.wall - 5000);
  assert.equal(time.now(), t, 'a floor in the past changes nothing');
});
