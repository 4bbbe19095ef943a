import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MinuteBuffer } from '../../src/store/minute-buffer';

test('columns give back the samples in ts order, absent metrics absent, first copy of a ts kept', () => {
  const b = new MinuteBuffer();
  b.add(3000, 3, [1, 30, 2, 300]);
  b.add(1000, 1, [1, 10]);
  b.add(2000, 2, [2, 200, 7, 0.5]);
  b.add(1000, 99, [1, 99]);
  assert.equal(b.size, 3);
  assert.equal(b.newestTs, 3000);
  assert.ok(b.has(2000) && !b.has(4000));
  assert.deepEqual(b.toSamples(), [
    { ts: 1000, seq: 1, values: { 1: 10 } },
    { ts: 2000, seq: 2, values: { 2: 200, 7: 0.5 } },
    { ts: 3000, seq: 3, values: { 1: 30, 2: 300 } },
  ]);
});

test('a minute with more samples than the first allocation (sub-second backfill, jitter) keeps them all', () => {
  const b = new MinuteBuffer();
  for (let i = 0; i < 150; i++) b.add(i * 400, i, i === 100 ? [1, i, 9, -i] : [1, i]);
  assert.equal(b.size, 150);
  const samples = b.toSamples();
  assert.equal(samples.length, 150);
  assert.deepEqual(samples[99], { ts: 99 * 400, seq: 99, values: { 1: 99 } });
  assert.deepEqual(samples[100], { ts: 100 * 400, seq: 100, values: { 1: 100, 9: -100 } });
  assert.deepEqual(samples[149], { ts: 149 * 400, seq: 149, values: { 1: 149 } });
  assert.ok(b.has(149 * 400) && b.has(0) && !b.has(150 * 400));
});
