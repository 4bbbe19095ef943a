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
