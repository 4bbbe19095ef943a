/**
 * @module Rollup math, pure: raw samples to avg/min/max buckets, and fine buckets to coarser ones.
 * Averages are weighted by how many raw samples carried the metric.
 */
import type { MetricValues } from '../protocol/metrics';
import type { BlockSample, BlockTable } from './codec';
import { floorTo } from './tiers';

export interface Stat {
  avg: number;
  min: number;
  max: number;
  /** Raw samples that carried this metric. */
  n: number;
}

export interface Bucket {
  ts: number;
  stats: Record<string, Stat>;
}

/**
 * Averages keep three decimals: enough for every metric, and the block codec then stores them as
 * integers. Values too large for that scaling are kept as they are rather than turned infinite.
 */
export const round3 = (v: number) => {
  const scaled = Math.round(v * 1000);
  return Number.isFinite(scaled) ? scaled / 1000 : v;
};

type Acc = Map<number, Map<string, { sum: number; min: number; max: number; n: number }>>;

/** Adds `n` observations (their sum, min and max) of one metric to the bucket at `ts`. */
function add(acc: Acc, ts: number, name: string, sum: number, min: number, max: number, n: number): void {
  let metrics = acc.get(ts);
  if (!metrics) acc.set(ts, (metrics = new Map()));
  const m = metrics.get(name);
  if (!m) {
    metrics.set(name, { sum, min, max, n });
    return;
  }
  m.sum += sum;
  m.n += n;
  if (min < m.min) m.min = min;
  if (max > m.max) m.max = max;
}

function finish(acc: Acc): Bucket[] {
  return [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, metrics]) => ({
      ts,
      stats: Object.fromEntries([...metrics].map(([name, s]) => [name, { avg: round3(s.sum / s.n), min: s.min, max: s.max, n: s.n }])),
    }));
}

export function rollupSamples(samples: readonly { ts: number; values: MetricValues }[], stepMs: number): Bucket[] {
  const acc: Acc = new Map();
  for (const s of samples) {
    const ts = floorTo(s.ts, stepMs);
    for (const name in s.values) {
      const v = s.values[name]!;
      add(acc, ts, name, v, v, v, 1);
    }
  }
  return finish(acc);
}

export function mergeBuckets(buckets: readonly Bucket[], stepMs: number): Bucket[] {
  const acc: Acc = new Map();
  for (const b of buckets) {
    const ts = floorTo(b.ts, stepMs);
    for (const name in b.stats) {
      const s = b.stats[name]!;
      add(acc, ts, name, s.avg * s.n, s.min, s.max, s.n);
    }
  }
  return finish(acc);
}

/** Sum, min, max and count of each metric (by id) over some samples. */
export type IdStats = Map<number, { sum: number; min: number; max: number; n: number }>;

function addValue(stats: IdStats, id: number, v: number): void {
  const c = stats.get(id);
  if (!c) return void stats.set(id, { sum: v, min: v, max: v, n: 1 });
  c.sum += v;
  c.n++;
  if (v < c.min) c.min = v;
  if (v > c.max) c.max = v;
}

/** Adds every value of a minute's table (as MinuteBuffer.toTable gives it; NaN: absent). */
export function addTableStats(stats: IdStats, { ts, ids, table }: BlockTable): void {
  const width = ids.length;
  for (let r = 0; r < ts.length; r++) {
    for (let c = 0; c < width; c++) {
      const v = table[r * width + c]!;
      if (!Number.isNaN(v)) addValue(stats, ids[c]!, v);
    }
  }
}

/** Adds every value of one stored sample. */
export function addSampleStats(stats: IdStats, sample: BlockSample): void {
  for (const id in sample.values) addValue(stats, Number(id), sample.values[id]!);
}
