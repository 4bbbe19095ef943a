/**
 * @module Points to hourly rollups (avg and max per clock hour) for the forecaster, and the
 * order statistics it leans on (median, interpolated quantile).
 */

export const HOUR_MS = 3_600_000;
export const DAY_HOURS = 24;
export const WEEK_HOURS = 168;

/** One point of a series: a raw sample, or an hourly rollup whose `value` is the average. */
export interface SeriesPoint {
  /** Unix ms. */
  ts: number;
  value: number;
  /** The highest value seen in the point's span (hourly rollups), when known. */
  max?: number;
}

/** One clock hour with data: `h` counts hours since the epoch, so `h % 24` is the UTC hour of day. */
export interface Hour {
  h: number;
  avg: number;
  max: number;
}

/** Groups points by clock hour; non-finite points are dropped (a gap, not a zero). */
export function toHours(points: readonly SeriesPoint[]): Hour[] {
  const acc = new Map<number, { sum: number; n: number; max: number }>();
  for (const p of points) {
    if (!Number.isFinite(p.ts) || !Number.isFinite(p.value)) continue;
    const h = Math.floor(p.ts / HOUR_MS);
    const top = p.max !== undefined && Number.isFinite(p.max) ? Math.max(p.max, p.value) : p.value;
    const a = acc.get(h);
    if (!a) acc.set(h, { sum: p.value, n: 1, max: top });
    else {
      a.sum += p.value;
      a.n += 1;
      if (top > a.max) a.max = top;
    }
  }
  return [...acc.entries()].sort((x, y) => x[0] - y[0]).map(([h, a]) => ({ h, avg: a.sum / a.n, max: a.max }));
}

/** The q-quantile (0..1) of sorted values, linearly interpolated; NaN for none. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** First index in `hours` (sorted by h) whose h is at least `h`. */
export function firstAtOrAfter(hours: readonly Hour[], h: number): number {
  let lo = 0;
  let hi = hours.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (hours[mid]!.h < h) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
