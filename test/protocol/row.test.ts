import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NamesPool, rowValues, valuesRow } from '../../src/protocol/row';

test('rows and objects of values convert both ways; NaN is absent', () => {
  assert.deepEqual(rowValues({ names: ['cpu', 'load1', 'memUsedBytes'], data: [1.5, NaN, 0] }), { cpu: 1.5, memUsedBytes: 0 });
  assert.deepEqual(rowValues(valuesRow({ cpu: 2, 'cpuCore.0': 3 })), { cpu: 2, 'cpuCore.0': 3 });
});

test('connections with the same metric list share one names array; different lists do not; the pool is bounded', () => {
  const pool = new NamesPool(3);
  const first = pool.intern(['cpu', 'load1']);
  assert.equal(pool.intern(['cpu', 'load1']), first, 'the same list: the array handed out before');
  assert.notEqual(pool.intern(['load1', 'cpu']), first, 'the order matters: rows are read by place');
  assert.notEqual(pool.intern(['cpu', 'load1', 'uptimeSec']), first);
  // Names are compared whole: no way to make two lists look alike.
  assert.notEqual(pool.intern(['cpu\nload1']), first);
  // Full (3 lists): the pool starts over; the old array stays as it was.
  const again = pool.intern(['cpu', 'load1']);
  assert.notEqual(again, first);
  assert.deepEqual(first, ['cpu', 'load1']);
  assert.equal(pool.intern(['cpu', 'load1']), again);
});
