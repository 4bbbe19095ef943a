/**
 * @module The shape every collector shares, and the rate math they use.
 */
import type { MetricValues } from '../../protocol/metrics';

export interface Collector {
  readonly name: string;
  /** Adds this collector's metrics to `out`. `monoMs` is a monotonic clock, so wall-clock jumps never skew rates. */
  collect(out: MetricValues, monoMs: number): void;
}

/**
 * Per-second rate of a counter between two readings; null when it cannot be known
 * (first reading, no time passed, or the counter went backwards: reset, wrap, interface re-created).
 */
export function counterRate(prev: number | undefined, cur: number, dtMs: number): number | null {
  if (prev === undefined || dtMs <= 0 || cur < prev) return null;
  return ((cur - prev) * 1000) / dtMs;
}
