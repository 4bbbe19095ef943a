import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricValues } from '../../src/protocol/metrics';
import { mergeBuckets, rollupSamples, round3 } from '../../src/store/rollup';

const T0 = 1_764_000_000_000 - (1_764_000_000_000 % 3_600_000);

test('raw samples to 1-minute buckets: avg/min/max per metric, split at bucket edges', () => {
  const samples: { ts: number; values: MetricValues }[] = [
    { ts: T0 + 58_000, values: { cpu: 10 } },
    { ts: T0 + 59_000, values: { cpu: 20, load1: 1 } },
    { ts: T0 + 60_000, values: { cpu: 90 } },
  ];
  const buckets = rollupSamples(samples, 60_000);
  assert.deepEqual(buckets, [
    { ts: T0, stats: { cpu: { avg: 15, min: 10, max: 20, n: 2 }, load1: { avg: 1, min: 1, max: 1, n: 1 } } },
    { ts: T0 + 60_000, stats: { cpu: { avg: 90, min: 90, max: 90, n: 1 } } },
  ]);
});

test('missing data: a metric absent from some samples averages over the samples that had it', () => {
  const [b] = rollupSamples(
    [
      { ts: T0, values: { cpu: 10, swap: 4 } },
      { ts: T0 + 1000, values: { cpu: 30 } },
    ],
    60_000,
  );
  assert.deepEqual(b!.stats.swap, { avg: 4, min: 4, max: 4, n: 1 });
  assert.equal(b!.stats.cpu!.avg, 20);
  assert.deepEqual(rollupSamples([], 60_000), []);
});

test('merging buckets weights averages by sample count and keeps extremes', () => {
  const fine = [
    { ts: T0, stats: { cpu: { avg: 10, min: 5, max: 15, n: 60 } } },
    { ts: T0 + 60_000, stats: { cpu: { avg: 40, min: 1, max: 99, n: 20 } } },
    { ts: T0 + 900_000, stats: { cpu: { avg: 7, min: 7, max: 7, n: 1 } } },
  ];
  assert.deepEqual(mergeBuckets(fine, 900_000), [
    { ts: T0, stats: { cpu: { avg: 17.5, min: 1, max: 99, n: 80 } } },
    { ts: T0 + 900_000, stats: { cpu: { avg: 7, min: 7, max: 7, n: 1 } } },
  ]);
});

test('a rollup of rollups equals the rollup of the raw samples', () => {
  const raw = Array.from({ length: 3600 }, (_, i) => ({ ts: T0 + i * 1000, values: { cpu: (i * 7) % 101, mem: 1000 + i } }));
  const direct = rollupSamples(raw, 3_600_000);
  const viaMinutes = mergeBuckets(mergeBuckets(rollupSamples(raw, 60_000), 900_000), 3_600_000);
  assert.deepEqual(viaMinutes, direct);
});

test('averages of huge values stay finite', () => {
  assert.equal(round3(1e300), 1e300);
  assert.equal(round3(-1e300), -1e300);
  assert.equal(round3(1.23456), 1.235);
  const [bucket] = rollupSamples(
    [
      { ts: 0, values: { x: 1e300 } },
      { ts: 1, values: { x: 1e300 } },
    ],
    60_000,
  );
  assert.equal(bucket!.stats.x!.avg, 1e300);
});
