import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { blockStats, decodeBlock, encodeBlock, encodeTable } from '../../src/store/codec';
import { MinuteBuffer } from '../../src/store/minute-buffer';

test('columns give back the samples in ts order, absent metrics absent, first copy of a ts kept', () => {
  const b = new MinuteBuffer();
  b.add(3000, 3, [1, 2], [30, 300]);
  b.add(1000, 1, [1], [10]);
  b.add(2000, 2, [2, 7], [200, 0.5]);
  b.add(1000, 99, [1], [99]);
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
  for (let i = 0; i < 150; i++) {
    if (i === 100) b.add(i * 400, i, [1, 9], [i, -i]);
    else b.add(i * 400, i, [1], [i]);
  }
  assert.equal(b.size, 150);
  const samples = b.toSamples();
  assert.equal(samples.length, 150);
  assert.deepEqual(samples[99], { ts: 99 * 400, seq: 99, values: { 1: 99 } });
  assert.deepEqual(samples[100], { ts: 100 * 400, seq: 100, values: { 1: 100, 9: -100 } });
  assert.deepEqual(samples[149], { ts: 149 * 400, seq: 149, values: { 1: 149 } });
  assert.ok(b.has(149 * 400) && b.has(0) && !b.has(150 * 400));
});

test('samples sharing one ids array (one agent connection) land in the right columns; NaN is absent', () => {
  const b = new MinuteBuffer();
  const ids = [4, 2, 8];
  b.add(1000, 1, ids, [40, 20, 80]);
  b.add(2000, 2, [8, 5], [81, 50]);
  b.add(3000, 3, ids, [41, NaN, 82]);
  assert.deepEqual(b.toSamples(), [
    { ts: 1000, seq: 1, values: { 4: 40, 2: 20, 8: 80 } },
    { ts: 2000, seq: 2, values: { 8: 81, 5: 50 } },
    { ts: 3000, seq: 3, values: { 4: 41, 8: 82 } },
  ]);
});

test('every value comes back exactly: integers, decimals, big counters, -0, tiny and huge floats, gaps', () => {
  const value = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }),
    fc.integer({ min: 0, max: 1000 }).map((n) => n / 10),
    fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 100),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(NaN, -0, 0, 1e300, -1e300, 5e-324, 0.1 + 0.2, 2 ** 53 - 1, 2 ** 48 + 0.5),
  );
  fc.assert(
    fc.property(fc.array(fc.array(value, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 70 }), (rows) => {
      const b = new MinuteBuffer();
      const ids = [3, 1, 2];
      rows.forEach((row, r) => b.add(r * 1000, r, ids, row));
      const back = b.toSamples();
      rows.forEach((row, r) => {
        const expected: Record<number, number> = {};
        row.forEach((v, i) => {
          if (!Number.isNaN(v)) expected[ids[i]!] = v;
        });
        assert.deepEqual(back[r]!.values, expected);
        for (const id of ids) assert.ok(Object.is(back[r]!.values[id] ?? NaN, expected[id] ?? NaN), `row ${r} id ${id}`);
      });
    }),
    { numRuns: 300 },
  );
});

test('a minute at 1 s of the agent’s usual values takes a few bytes per value, not 8', () => {
  const b = new MinuteBuffer();
  const ids = Array.from({ length: 39 }, (_, i) => i + 1);
  let mem = 2e9;
  let rx = 9e11;
  for (let s = 0; s < 60; s++) {
    mem += 4096 * ((s * 7) % 13);
    rx += 1000 + ((s * 31) % 997);
    const values = ids.map((id) => (id % 3 === 0 ? Math.round((10 + ((s * id) % 40)) * 10) / 10 : id % 3 === 1 ? mem + id : rx + id));
    b.add(1_700_000_000_000 + s * 1000, s + 1, ids, values);
  }
  const perValue = b.byteLength / (60 * 39);
  assert.ok(perValue < 3, `${perValue.toFixed(2)} bytes per value`);
});

test('a minute packed from its table is byte for byte the block packed from its samples (any order, gaps, schemas)', () => {
  const value = fc.oneof(
    fc.constant(NaN),
    fc.integer({ min: -5000, max: 5000 }).map((n) => n / 10),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
  const sample = fc.record({
    ts: fc.integer({ min: 0, max: 59 }),
    wide: fc.boolean(),
    values: fc.array(value, { minLength: 4, maxLength: 4 }),
  });
  fc.assert(
    fc.property(fc.array(sample, { minLength: 1, maxLength: 80 }), (samples) => {
      const b = new MinuteBuffer();
      const wide = [9, 2, 5, 7];
      const narrow = [5, 1];
      for (const [i, s] of samples.entries()) b.add(s.ts * 1000, i, s.wide ? wide : narrow, s.wide ? s.values : s.values.slice(0, 2));
      assert.deepEqual(encodeTable(b.toTable()), encodeBlock(b.toSamples()));
      assert.deepEqual(decodeBlock(encodeTable(b.toTable())), b.toSamples());
    }),
    { numRuns: 300 },
  );
});

test('blockStats gives, column by column, the sum, min, max and count of the decoded samples in a range', () => {
  const value = fc.oneof(
    fc.constant(NaN),
    fc.integer({ min: -5000, max: 5000 }).map((n) => n / 10),
    fc.constantFrom(0, -0),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 60 }),
      fc.array(fc.array(value, { minLength: 3, maxLength: 3 }), { minLength: 60, maxLength: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      (seconds, rows, a, b) => {
        const samples = [...seconds]
          .sort((x, y) => x - y)
          .map((s, i) => ({
            ts: s * 1000,
            seq: i + 1,
            values: Object.fromEntries(rows[i]!.flatMap((v, c) => (Number.isNaN(v) ? [] : [[c + 1, v]]))) as Record<number, number>,
          }));
        const [from, to] = [Math.min(a, b) * 1000, Math.max(a, b) * 1000];
        const expected = new Map<number, { id: number; sum: number; min: number; max: number; n: number }>();
        for (const s of decodeBlock(encodeBlock(samples))) {
          if (s.ts < from || s.ts >= to) continue;
          for (const key in s.values) {
            const id = Number(key);
            const v = s.values[id]!;
            const e = expected.get(id);
            if (!e) expected.set(id, { id, sum: v, min: v, max: v, n: 1 });
            // As rollupSamples compares: the first of equal values (0 and -0) stays.
            else Object.assign(e, { sum: e.sum + v, min: v < e.min ? v : e.min, max: v > e.max ? v : e.max, n: e.n + 1 });
          }
        }
        assert.deepEqual(
          blockStats(encodeBlock(samples), from, to),
          [...expected.values()].sort((x, y) => x.id - y.id),
        );
      },
    ),
    { numRuns: 300 },
  );
});
