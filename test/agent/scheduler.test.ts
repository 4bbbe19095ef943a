import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schedule } from '../../src/agent/scheduler';

test('a timer firing early does not tick the same boundary twice', async () => {
  let fake = 1_000_000;
  const ticks: number[] = [];
  // The clock lags the timers by 2 ms, as Date.now() can against setTimeout.
  const s = schedule(50, (ts) => ticks.push(ts), 0, () => fake);
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 60));
    fake += 48;
  }
  s.stop();
  assert.ok(ticks.length >= 2);
  assert.equal(new Set(ticks).size, ticks.length, `duplicate ticks: ${ticks.join(',')}`);
});

test('ticks land on interval multiples plus the phase, evenly spaced', async () => {
  const ticks: number[] = [];
  const s = schedule(100, (ts) => ticks.push(ts), 37);
  await new Promise((r) => setTimeout(r, 450));
  s.stop();
  assert.ok(ticks.length >= 3, `${ticks.length} ticks`);
  for (const ts of ticks) assert.equal(ts % 100, 37);
  for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i]! - ticks[i - 1]!, 100);
  const after = ticks.length;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(ticks.length, after, 'no tick after stop');
});
