/**
 * @module Each node's forecasts (filesystems, memory, swap, traffic quota) from its hourly rollups,
 * kept per node for CACHE_MS so page views and alert ticks cost a map lookup. Work done for the
 * overview and the alert timer is capped per second; a person asking for one node is answered at once.
 */
import { forecastFull } from '../../forecast/forecast';
import type { SeriesPoint } from '../../forecast/forecast';
import { forecastQuota } from '../../forecast/quota';
import type { ForecastAnswer, ForecastItem, ForecastMetric, ForecastsSoon } from '../../protocol/forecast';
import type { Bucket } from '../../store/rollup';
import type { Store } from '../../store/store';
import { floorTo } from '../../store/tiers';
import type { Hub } from './hub';

/** Forecasts move slowly (hourly rollups): ten minutes old is fresh enough. */
export const CACHE_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;
/** What the forecaster reads (forecast.ts's WINDOW_DAYS). */
const HISTORY_MS = 28 * 86_400_000;
/** Filesystems forecast per node, as many as the node page charts. */
const MAX_MOUNTS = 16;

export interface ForecastsDeps {
  store: Pick<Store, 'buckets'>;
  hub: Pick<Hub, 'latest' | 'meta'>;
  now: () => number;
  /** Nodes worked out per second of the clock for the overview and alerts (default 5: one costs ~35 ms with 28 days of history). */
  perSecond?: number;
}

interface Series {
  metric: ForecastMetric;
  mount?: string;
  used: string;
  total: string;
}

/** What the node reports now: its filesystems (or its summed disk), memory, and swap if it has any. */
function seriesOf(live: Map<string, number>): Series[] {
  const mounts = [...live.keys()]
    .filter((n) => n.startsWith('diskUsedBytes.') && live.has(`diskTotalBytes.${n.slice(14)}`))
    .map((n) => n.slice(14));
  mounts.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const disks: Series[] =
    mounts.length > 0
      ? mounts
          .slice(0, MAX_MOUNTS)
          .map((mount) => ({ metric: 'disk', mount, used: `diskUsedBytes.${mount}`, total: `diskTotalBytes.${mount}` }))
      : [{ metric: 'disk', used: 'diskUsedBytes', total: 'diskTotalBytes' }];
  const out: Series[] = [...disks, { metric: 'memory', used: 'memUsedBytes', total: 'memTotalBytes' }];
  if ((live.get('swapTotalBytes') ?? 0) > 0) out.push({ metric: 'swap', used: 'swapUsedBytes', total: 'swapTotalBytes' });
  return out;
}

/** The end of the billing period starting at `start` (local midnight of its reset day): a month later. */
function periodEnd(start: number): number {
  const d = new Date(start);
  return new Date(d.getFullYear(), d.getMonth() + 1, d.getDate()).getTime();
}

/** Bytes moved in the period so far, hour by hour (from the hourly average rates), ending at `usedBytes`. */
function trafficPoints(buckets: readonly Bucket[], from: number, usedBytes: number): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  let sum = 0;
  for (const b of buckets) {
    if (b.ts < from) continue;
    const rx = b.stats.netRxBytesPerSec?.avg;
    const tx = b.stats.netTxBytesPerSec?.avg;
    if (rx === undefined && tx === undefined) continue;
    sum += (((rx ?? 0) + (tx ?? 0)) * HOUR_MS) / 1000;
    points.push({ ts: b.ts + HOUR_MS - 1, value: sum });
  }
  // The meter's count also holds what came while the agent was away: the same trend, moved to end there.
  const shift = usedBytes - sum;
  for (const p of points) p.value += shift;
  return points;
}

/** One node's forecasts now, read from its stored hourly rollups; null for a node the hub does not know. */
export function forecastNode(deps: Pick<ForecastsDeps, 'store' | 'hub'>, nodeId: number, now: number): ForecastItem[] | null {
  const meta = deps.hub.meta(nodeId);
  const row = deps.hub.latest(nodeId);
  if (!meta || !row) return null;
  const live = new Map<string, number>();
  row.names.forEach((name, i) => Number.isNaN(row.data[i]!) || live.set(name, row.data[i]!));
  const series = seriesOf(live);
  const limit = meta.notes?.trafficLimitBytes;
  const names = series.flatMap((s) => [s.used, s.total]);
  if (limit) names.push('netRxBytesPerSec', 'netTxBytesPerSec');
  const buckets = deps.store.buckets(nodeId, '1h', floorTo(now - HISTORY_MS, HOUR_MS), now, names);
  const items: ForecastItem[] = [];
  for (const s of series) {
    const points: SeriesPoint[] = [];
    let capacity = live.get(s.total) ?? 0;
    for (const b of buckets) {
      const used = b.stats[s.used];
      if (used) points.push({ ts: b.ts, value: used.avg, max: used.max });
      if (!live.has(s.total) && b.stats[s.total]) capacity = b.stats[s.total]!.avg;
    }
    const usedBytes = live.get(s.used) ?? points.at(-1)?.value ?? 0;
    const f = forecastFull(points, capacity, { now });
    items.push({ metric: s.metric, ...(s.mount === undefined ? {} : { mount: s.mount }), usedBytes, capacityBytes: capacity, ...f });
  }
  if (limit) {
    const usedBytes = meta.monthRxBytes + meta.monthTxBytes;
    const points = trafficPoints(buckets, meta.periodStart, usedBytes);
    const f = forecastQuota({
      usedBytes,
      limitBytes: limit,
      now,
      periodStart: meta.periodStart,
      periodEnd: periodEnd(meta.periodStart),
      points,
    });
    items.push({ metric: 'traffic', usedBytes, capacityBytes: limit, ...f });
  }
  return items;
}

/** The soonest dated item, or null. */
export function soonest(items: readonly ForecastItem[]): ForecastItem | null {
  let best: ForecastItem | null = null;
  for (const item of items) if (item.fullAt !== null && (best === null || item.fullAt < best.fullAt!)) best = item;
  return best;
}

export class Forecasts {
  private readonly cache = new Map<number, ForecastAnswer>();
  private readonly perSecond: number;
  private second = -1;
  private spent = 0;

  constructor(private readonly deps: ForecastsDeps) {
    this.perSecond = deps.perSecond ?? 5;
  }

  /** The node's forecasts, worked out now unless fresh; null for an unknown node. */
  of(nodeId: number): ForecastAnswer | null {
    const now = this.deps.now();
    const cached = this.cache.get(nodeId);
    if (cached && now - cached.at < CACHE_MS) return cached;
    const items = forecastNode(this.deps, nodeId, now);
    if (!items) {
      this.cache.delete(nodeId);
      return null;
    }
    const answer = { nodeId, at: now, items };
    this.cache.set(nodeId, answer);
    return answer;
  }

  /**
   * The node's forecasts for background readers (overview badges, alert ticks): fresh ones, or
   * worked out now while this second's allowance lasts, else the last known (possibly none).
   */
  cached(nodeId: number): ForecastAnswer | null {
    const now = this.deps.now();
    const cached = this.cache.get(nodeId);
    if (cached && now - cached.at < CACHE_MS) return cached;
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.spent = 0;
    }
    if (this.spent >= this.perSecond) return cached ?? null;
    this.spent++;
    return this.of(nodeId);
  }

  /**
   * For each of `ids`, its soonest forecast before `now + withinMs`, by node id; `pending` counts
   * the nodes not worked out yet (this second's allowance ran out): ask again shortly.
   */
  soon(ids: Iterable<number>, withinMs: number): ForecastsSoon {
    const out: ForecastsSoon = { soon: {}, pending: 0 };
    for (const id of ids) {
      const answer = this.cached(id);
      if (!answer) {
        out.pending++;
        continue;
      }
      const first = soonest(answer.items);
      if (first && first.fullAt! - this.deps.now() < withinMs) out.soon[id] = first;
    }
    return out;
  }
}
