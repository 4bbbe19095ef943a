import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schedule } from '../../src/agent/scheduler';
import type { Clock } from '../../src/util/clock';
import { ManualClock } from '../manual-clock';

const START = Date.UTC(2026, 0, 1, 12);

test('ticks land on interval multiples plus the phase, evenly spaced, at the time they name', async () => {
  const clock = new ManualClock(START + 5);
  const ticks: { ts: number; at: number }[] = [];
  const s = schedule(100, (ts) => ticks.push({ ts, at: clock.now() }), 37, clock);
  await clock.advance(450);
  assert.deepEqual(
    ticks.map((t) => t.ts - START),
    [37, 137, 237, 337, 437],
  );
  for (const t of ticks) assert.equal(t.at, t.ts, 'the tick runs when its boundary comes');
  s.stop();
  await clock.advance(1000);
  assert.equal(ticks.length, 5, 'no tick after stop');
  assert.equal(clock.timers, 0, 'stop leaves no timer behind');
});

test('a timer firing early (the clock lags the timers) does not tick the same boundary twice', async () => {
  const timers = new ManualClock(START);
  // Date.now() can read 2 ms behind when setTimeout fires: the boundary seems not reached yet.
  const lagging: Clock = { now: () => timers.now() - 2, after: (ms, fn) => timers.after(ms, fn), every: (ms, fn) => timers.every(ms, fn) };
  const ticks: number[] = [];
  const s = schedule(50, (ts) => ticks.push(ts), 0, lagging);
  await timers.advance(300);
  s.stop();
  assert.ok(ticks.length >= 5, `${ticks.length} ticks`);
  assert.equal(new Set(ticks).size, ticks.length, `duplicate ticks: ${ticks.join(',')}`);
  for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i]! - ticks[i - 1]!, 50);
});

test('a late timer (the process stalled, the clock jumped) is not made up for with a burst', async () => {
  const clock = new ManualClock(START);
  const ticks: number[] = [];
  const s = schedule(1000, (ts) => ticks.push(ts), 0, clock);
  await clock.advance(1000);
  assert.deepEqual(ticks, [START + 1000]);
  // Five intervals pass before the pending timer gets to run.
  clock.set(START + 6500);
  await clock.advance(0);
  assert.equal(ticks.length, 2, 'one tick for the stall, not five');
  await clock.advance(500);
  assert.deepEqual(ticks.slice(2), [START + 7000], 'then back on the boundaries');
  s.stop();
});
