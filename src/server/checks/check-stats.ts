/**
 * @module A check's uptime from its `up` series: the share of runs that were up over 24 h, 7 d
 * and 30 d, and per UTC day for the status bar. Reads the rollup tiers (1-minute buckets for the
 * last day, hourly ones beyond), plus the raw samples not rolled up yet, as history answers do.
 */
import type { CheckView, Uptime } from '../../protocol/checks';
import { UPTIME_DAYS } from '../../protocol/checks';
import type { Bucket } from '../../store/rollup';
import { rollupSamples } from '../../store/rollup';
import type { SeriesStore } from '../../store/store';
import type { TierName } from '../../store/tiers';
import { TIERS, floorTo } from '../../store/tiers';

const DAY = 86_400_000;

/** Buckets of the `up` series (named `name`) from `from` to `to` in one tier, the newest not yet packed ones rolled up from raw. */
function upBuckets(
  store: Pick<SeriesStore, 'samples' | 'buckets'>,
  seriesId: number,
  name: string,
  tier: Exclude<TierName, 'raw'>,
  from: number,
  to: number,
): Bucket[] {
  const step = TIERS.find((t) => t.name === tier)!.stepMs;
  const packed = store.buckets(seriesId, tier, floorTo(from, step), to, [name]);
  const packedUntil = packed.length > 0 ? packed.at(-1)!.ts + step : from;
  return [...packed, ...rollupSamples(store.samples(seriesId, Math.max(from, packedUntil), to, [name]), step)];
}

/** Up values over all values of `name` in the buckets from `from` on; null without any. */
function share(buckets: readonly Bucket[], name: string, from: number): Uptime {
  let up = 0;
  let n = 0;
  for (const b of buckets) {
    const s = b.stats[name];
    if (!s || b.ts < from) continue;
    up += s.avg * s.n;
    n += s.n;
  }
  return n === 0 ? null : Math.round((up / n) * 100_000) / 100_000;
}

export type UptimeStats = Pick<CheckView, 'uptime' | 'daily' | 'dailyFrom'>;

/**
 * `name`: the series of 1s and 0s, `up` for a server's check; a node's own check lives in the
 * node's series as `check.<type>.<name>.up`, one value per sample, so its uptime is the share of
 * samples (of time) it was up.
 */
export function uptimeStats(store: Pick<SeriesStore, 'samples' | 'buckets'>, seriesId: number, now: number, name = 'up'): UptimeStats {
  // Ranges end after `now`: a run that started this millisecond counts.
  const to = now + 1;
  const dailyFrom = floorTo(now, DAY) - (UPTIME_DAYS - 1) * DAY;
  const hours = upBuckets(store, seriesId, name, '1h', Math.min(dailyFrom, now - 30 * DAY), to);
  const byDay: Bucket[][] = Array.from({ length: UPTIME_DAYS }, () => []);
  for (const b of hours) {
    const day = Math.floor((b.ts - dailyFrom) / DAY);
    if (day >= 0 && day < UPTIME_DAYS) byDay[day]!.push(b);
  }
  return {
    uptime: {
      '24h': share(upBuckets(store, seriesId, name, '1m', now - DAY, to), name, now - DAY),
      '7d': share(hours, name, now - 7 * DAY),
      '30d': share(hours, name, now - 30 * DAY),
    },
    daily: byDay.map((buckets) => share(buckets, name, dailyFrom)),
    dailyFrom,
  };
}
