/**
 * @module Seasonal Theil–Sen slope (Hirsch, Slack & Smith 1982) with Sen's rank confidence interval:
 * the median of the slopes between hours of the same season (same hour of the day or of the week),
 * so a daily saw-tooth or a weekly cycle adds no slope of its own.
 */
import type { Hour } from './hours';
import { quantileSorted } from './hours';

export interface SenFit {
  /** Median pairwise slope, per hour. */
  slope: number;
  /** Bounds of the slope's confidence interval, per hour; null when the data cannot bound it. */
  lo: number | null;
  hi: number | null;
  pairs: number;
}

/** z for a two-sided 90 % interval: its lower bound is a one-sided 95 % test of "growing". */
export const Z = 1.645;

/** Slopes of every same-season pair, sorted; `period` in hours (24 or 168). */
export function seasonalSlopes(hours: readonly Hour[], period: number): number[] {
  const seasons = new Map<number, Hour[]>();
  for (const x of hours) {
    const s = ((x.h % period) + period) % period;
    const list = seasons.get(s);
    if (list) list.push(x);
    else seasons.set(s, [x]);
  }
  const slopes: number[] = [];
  for (const list of seasons.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) slopes.push((list[j]!.avg - list[i]!.avg) / (list[j]!.h - list[i]!.h));
    }
  }
  return slopes.sort((a, b) => a - b);
}

/**
 * Half the width, as a fraction of the ranked slopes, of Sen's interval for `n` independent
 * observations: C / (2N) with C = z·sqrt(n(n−1)(2n+5)/18) and N = n(n−1)/2.
 */
export function senHalfWidth(n: number): number {
  if (n < 2) return Infinity;
  return (Z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18)) / (n * (n - 1));
}

/**
 * Fits the slope. `days` is the count of independent observations for the interval: hours of one
 * day share their noise (and a day's writes), so counting hours would make the range far too narrow.
 */
export function seasonalSen(hours: readonly Hour[], period: number, days: number): SenFit {
  const slopes = seasonalSlopes(hours, period);
  const slope = quantileSorted(slopes, 0.5);
  const half = senHalfWidth(days);
  if (slopes.length === 0 || half >= 0.5) return { slope, lo: null, hi: null, pairs: slopes.length };
  return { slope, lo: quantileSorted(slopes, 0.5 - half), hi: quantileSorted(slopes, 0.5 + half), pairs: slopes.length };
}
