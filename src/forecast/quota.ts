/**
 * @module The day a traffic quota runs out in the billing period:
 *
 *     forecastQuota({ usedBytes, limitBytes, now, periodStart, periodEnd, points? }) -> Forecast
 *
 * From the period's average rate so far; with `points` (cumulative bytes in the period, hourly or
 * raw) covering 3 days or more, from their seasonal Theil–Sen trend, which also gives the range.
 * No date when the quota lasts past the period's end at that rate.
 */
import type { Forecast } from './forecast';
import { forecastFull } from './forecast';
import type { SeriesPoint } from './hours';
import { HOUR_MS } from './hours';

export interface QuotaInput {
  /** Bytes counted in the period so far. */
  usedBytes: number;
  limitBytes: number;
  /** Unix ms. */
  now: number;
  periodStart: number;
  periodEnd: number;
  /** Cumulative bytes in this period over time, when history is at hand. */
  points?: readonly SeriesPoint[];
}

const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

export function forecastQuota(q: QuotaInput): Forecast {
  const none = (reason: string): Forecast => ({ fullAt: null, low: null, high: null, reason });
  if (!(q.limitBytes > 0)) return none('no traffic limit set');
  if (q.usedBytes >= q.limitBytes) return { fullAt: q.now, low: q.now, high: q.now };
  const elapsed = q.now - q.periodStart;
  if (elapsed < HOUR_MS) return none('needs an hour of the billing period, has less');
  const trend = q.points && q.points.length > 0 ? forecastFull(q.points, q.limitBytes, { now: q.now }) : null;
  // Too little or too uneven history for a trend: the period's average rate still says something.
  const rate = q.usedBytes / elapsed;
  const flat = rate > 0 ? Math.round(q.now + (q.limitBytes - q.usedBytes) / rate) : null;
  const f = trend && trend.fullAt !== null ? trend : { fullAt: flat, low: flat, high: flat };
  if (f.fullAt === null || f.fullAt > q.periodEnd) {
    const byEnd = q.usedBytes + rate * (q.periodEnd - q.now);
    return none(`lasts the period: about ${gb(byEnd)} of ${gb(q.limitBytes)} used by ${day(q.periodEnd)} at this rate`);
  }
  return { fullAt: f.fullAt, low: f.low, high: f.high };
}
