/**
 * @module Rollup math, pure: raw samples to avg/min/max buckets, and fine buckets to coarser ones.
 * Averages are weighted by how many raw samples carried the metric.
 */
import type { MetricValues } from '../protocol/metrics';
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

/** Averages keep three decimals: enough for every metric, and the block codec then stores them as integers. */
const round3 = (v: number) => Math.round(v * 1000) / 1000;

function finish(acc: Map<number, Map<string, { sum: number; min: number; max: number; n: number }>>): Bucket[] {
  return [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, metrics]) => ({
      ts,
      stats: Object.fromEntries([...metrics].map(([name, s]) => [name, { avg: round3(s.sum / s.n), min: s.min, max: s.max, n: s.n }])),
    }));
}

export function rollupSamples(samples: readonly { ts: number; values: MetricValues }[], stepMs: number): Bucket[] {
  const acc = new Map<number, Map<string, { sum: number; min: number; max: number; n: number }>>();
  for (const s of samples) {
    const ts = floorTo(s.ts, stepMs);
    let metrics = acc.get(ts);
    if (!metrics) acc.set(ts, (metrics = new Map()));
    for (const [name, v] of Object.entries(s.values)) {
      const m = metrics.get(name);
      if (!m) metrics.set(name, { sum: v, min: v, max: v, n: 1 });
      else {
        m.sum += v;
        m.n++;
        if (v < m.min) m.min = v;
        if (v > m.max) m.max = v;
      }
    }
  }
  return finish(acc);
}

export function mergeBuckets(buckets: readonly Bucket[], stepMs: number): Bucket[] {
  const acc = new Map<number, Map<string, { sum: number; min: number; max: number; n: number }>>();
  for (const b of buckets) {
    const ts = floorTo(b.ts, stepMs);
    let metrics = acc.get(ts);
    if (!metrics) acc.set(ts, (metrics = new Map()));
    for (const [name, s] of Object.entries(b.stats)) {
      const m = metrics.get(name);
      if (!m) metrics.set(name, { sum: s.avg * s.n, min: s.min, max: s.max, n: s.n });
      else {
        m.sum += s.avg * s.n;
        m.n += s.n;
        if (s.min < m.min) m.min = s.min;
        if (s.max > m.max) m.max = s.max;
      }
    }
  }
  return finish(acc);
}
