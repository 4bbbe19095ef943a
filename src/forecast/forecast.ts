/**
 * @module When a growing series (disk, swap, memory used) reaches its capacity.
 *
 *     forecastFull(points, capacity, { now? }) -> { fullAt, low, high, reason? }
 *
 * `points` are raw samples or hourly rollups (`{ ts, value, max? }`, value = the hour's average),
 * in any order, gaps allowed. `fullAt` is the central estimate (Unix ms), `low`–`high` its range
 * (earliest–latest); all three are null when there is no date, and `reason` then says why in words
 * a person can act on ("needs 3 days of data, has 20 h", "not growing", "seasonal with no trend").
 * Method (docs/forecast.md): the last 28 days, cut at the last level shift (lastLevelShift); a
 * seasonal Theil–Sen slope with Sen's 90 % interval (fitTrend); no date unless the whole interval
 * is above zero; each hour of the day (or week) grows from its de-trended peak, moved to where the
 * last day stands; the range also widens with the time left as a random walk's would.
 * The quota date is forecastQuota in quota.ts.
 */
import type { Hour, SeriesPoint } from './hours';
import { DAY_HOURS, HOUR_MS, WEEK_HOURS, firstAtOrAfter, median, toHours } from './hours';
import { lastLevelShift } from './level-shift';
import type { SenFit } from './theil-sen';
import { Z } from './theil-sen';
import { fitTrend } from './trend';

export type { SeriesPoint } from './hours';

export interface Forecast {
  fullAt: number | null;
  low: number | null;
  high: number | null;
  /** Why there is no date; absent when there is one. */
  reason?: string;
}

export interface ForecastOptions {
  /** The moment to forecast from (Unix ms); defaults to the last point's. */
  now?: number;
}

/** Least history for a date: a trend needs several days (and their nights) to show. */
export const MIN_DAYS = 3;
/** Recent history is what predicts; older growth may have had another cause. */
export const WINDOW_DAYS = 28;

const noDate = (reason: string): Forecast => ({ fullAt: null, low: null, high: null, reason });

export function forecastFull(points: readonly SeriesPoint[], capacity: number, options: ForecastOptions = {}): Forecast {
  if (!(capacity > 0) || !Number.isFinite(capacity)) return noDate('no capacity known');
  const all = toHours(points);
  if (all.length === 0) return noDate(`needs ${MIN_DAYS} days of data, has none`);
  let lastTs = -Infinity;
  for (const p of points) if (p.ts > lastTs && Number.isFinite(p.ts) && Number.isFinite(p.value)) lastTs = p.ts;
  const now = options.now ?? lastTs;
  const lastH = all[all.length - 1]!.h;
  if (all[all.length - 1]!.max >= capacity) return { fullAt: now, low: now, high: now };
  const recent = all.slice(firstAtOrAfter(all, lastH - WINDOW_DAYS * DAY_HOURS + 1));
  const start = lastLevelShift(recent, capacity);
  const seg = recent.slice(start);
  const missing = missingHistory(seg, start > 0 ? recent[start]! : null, recent[start - 1]);
  if (missing) return noDate(missing);
  const spanH = lastH - seg[0]!.h + 1;
  const fit = fitTrend(seg);
  const nowH = now / HOUR_MS;
  const peaks = anchored(
    fit.hours,
    profile(fit.hours, fit.slope, fit.period, nowH, (x) => x.max),
    fit.slope,
    fit.period,
    nowH,
  );
  if (fit.lo === null || fit.hi === null)
    return noDate(`too few days to tell growth from noise (${days(spanH)} since ${start > 0 ? 'the last shift' : 'the first point'})`);
  if (fit.lo <= 0) return noDate(whyNoTrend(fit.hours, fit, fit.period, capacity));
  const at = (perHour: number) => Math.max(now, reachesAt(peaks, fit.period, perHour, nowH, capacity));
  const fullAt = at(fit.slope);
  // Usage wanders around its trend like a random walk: the range widens with the time left.
  const spread = Math.round(((Z * wander(fit.hours, fit.slope, fit.period) * Math.sqrt((fullAt - now) / HOUR_MS)) / fit.slope) * HOUR_MS);
  return { fullAt, low: Math.max(now, Math.min(at(fit.hi), fullAt - spread)), high: Math.max(at(fit.lo), fullAt + spread) };
}

const days = (hours: number) => (hours < 48 ? `${Math.round(hours)} h` : `${(hours / DAY_HOURS).toFixed(1)} days`);
const utc = (h: number) => `${new Date(h * HOUR_MS).toISOString().slice(0, 13).replace('T', ' ')}:00 UTC`;

/** Null when `seg` is long and dense enough; else what is missing, said as a person would. */
function missingHistory(seg: readonly Hour[], shift: Hour | null, before: Hour | undefined): string | null {
  const spanH = seg[seg.length - 1]!.h - seg[0]!.h + 1;
  const need = MIN_DAYS * DAY_HOURS;
  if (spanH >= need && seg.length >= need / 2) return null;
  const since = shift && before ? ` since the ${shift.avg < before.avg ? 'drop' : 'jump'} at ${utc(shift.h)}` : '';
  const gaps = spanH >= need ? ` in ${days(spanH)} (gaps)` : '';
  return `needs ${MIN_DAYS} days of data${since}, has ${days(seg.length)}${gaps}`;
}

/** Per season (hour of the day or of the week): the median of `value(x) − slope·(x.h − nowH)`. */
function profile(seg: readonly Hour[], slope: number, period: number, nowH: number, value: (x: Hour) => number): Map<number, number> {
  const bySeason = new Map<number, number[]>();
  for (const x of seg) {
    const s = x.h % period;
    const r = value(x) - slope * (x.h + 0.5 - nowH);
    const list = bySeason.get(s);
    if (list) list.push(r);
    else bySeason.set(s, [r]);
  }
  return new Map([...bySeason].map(([s, list]) => [s, median(list)]));
}

/**
 * The profile moved to where the last day stands against it: usage is more a random walk than a
 * line with noise (a big upload stays), so the recent level counts more than the month's median.
 */
function anchored(hours: readonly Hour[], peaks: Map<number, number>, slope: number, period: number, nowH: number): Map<number, number> {
  const lastH = hours[hours.length - 1]!.h;
  const offsets: number[] = [];
  for (let i = hours.length - 1; i >= 0 && hours[i]!.h > lastH - DAY_HOURS; i--) {
    const x = hours[i]!;
    offsets.push(x.max - slope * (x.h + 0.5 - nowH) - peaks.get(x.h % period)!);
  }
  const offset = median(offsets);
  return new Map([...peaks].map(([s, level]) => [s, level + offset]));
}

/**
 * When the first hour's peak reaches `capacity`, each season (hour of the day or week) rising from
 * its level now by `perHour`: disks fill at the top of their cycle (just before the log rotation,
 * on the busy weekday), and an hour's max catches the backup's temporary files.
 */
function reachesAt(peaks: ReadonlyMap<number, number>, period: number, perHour: number, nowH: number, capacity: number): number {
  let first = Infinity;
  for (const [s, level] of peaks) {
    const h = Math.max(Math.floor(nowH), Math.ceil(nowH + (capacity - level) / perHour - 0.5));
    const aligned = h + ((((s - h) % period) + period) % period);
    first = Math.min(first, aligned);
  }
  return Math.round((first + 0.5) * HOUR_MS);
}

/** How far the series strays from its trend over one period, per √hour (robust spread of the changes). */
function wander(hours: readonly Hour[], slope: number, period: number): number {
  const byH = new Map(hours.map((x) => [x.h, x.avg]));
  const devs: number[] = [];
  for (const x of hours) {
    const before = byH.get(x.h - period);
    if (before !== undefined) devs.push(Math.abs(x.avg - before - slope * period));
  }
  return devs.length < 2 ? 0 : (1.4826 * median(devs)) / Math.sqrt(period);
}

/** "not growing", "shrinking", or "seasonal with no trend", with the numbers behind it. */
function whyNoTrend(seg: readonly Hour[], fit: SenFit, period: number, capacity: number): string {
  const pct = (v: number, digits = 1) => `${((v / capacity) * 100 || 0).toFixed(digits).replace(/^-(0\.0+)$/, '$1')} %`;
  const perDay = `${pct(fit.slope * DAY_HOURS, 2)} of capacity a day`;
  const nowH = seg[seg.length - 1]!.h;
  for (const p of period === WEEK_HOURS ? [DAY_HOURS, WEEK_HOURS] : [DAY_HOURS]) {
    const prof = profile(seg, fit.slope, p, nowH, (x) => x.avg);
    const noise = 1.4826 * median(seg.map((x) => Math.abs(x.avg - fit.slope * (x.h + 0.5 - nowH) - prof.get(x.h % p)!)));
    const values = [...prof.values()];
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    // The range that noise alone gives the medians of `seg.length / p` values in each of p seasons, doubled.
    const byChance = 2 * 2 * Math.sqrt(2 * Math.log(p)) * ((1.25 * noise) / Math.sqrt(Math.max(1, seg.length / p)));
    if (hi - lo > Math.max(byChance, 0.01 * capacity)) {
      return `seasonal with no trend: a ${p === DAY_HOURS ? 'daily' : 'weekly'} cycle between ${pct(lo)} and ${pct(hi)} of capacity`;
    }
  }
  if (fit.hi !== null && fit.hi < 0) return `shrinking: ${perDay}`;
  return `not growing: ${perDay}, within the noise`;
}
