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

/**
 * Per-second rates summed over devices (disks, interfaces): `fields` maps each output metric to
 * the counter it is derived from. A device whose counters went back (reset, re-created) adds
 * nothing for that interval. Returns null on the first reading, when no rate can be known yet.
 * `perDevice`, if given, also gets each device's own rates (those with every rate known).
 */
export function summedRates<C extends object>(fields: Record<string, keyof C>, include: (device: string) => boolean) {
  let prev = new Map<string, C>();
  let prevMono = 0;
  return (
    cur: Map<string, C>,
    monoMs: number,
    perDevice?: (device: string, metric: string, rate: number) => void,
  ): Record<string, number> | null => {
    const dt = monoMs - prevMono;
    const sums: Record<string, number> = {};
    for (const metric in fields) sums[metric] = 0;
    let known = false;
    for (const [name, counters] of cur) {
      if (!include(name)) continue;
      const before = prev.get(name);
      const rates: [string, number][] = [];
      for (const metric in fields) {
        const field = fields[metric]!;
        const rate = counterRate(before?.[field] as number | undefined, counters[field] as number, dt);
        if (rate === null) break;
        rates.push([metric, rate]);
      }
      if (rates.length < Object.keys(fields).length) continue;
      for (const [metric, rate] of rates) {
        sums[metric]! += rate;
        perDevice?.(name, metric, rate);
      }
      known = true;
    }
    const first = prev.size === 0;
    prev = cur;
    prevMono = monoMs;
    if (!known && first) return null;
    for (const metric in sums) sums[metric] = Math.round(sums[metric]!);
    return sums;
  };
}
