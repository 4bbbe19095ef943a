/**
 * @module The trend to extrapolate: a seasonal Theil–Sen fit over the whole segment, replaced by
 * the fit of its last 7 or 14 days when the trend changed there (a runaway log that started last
 * week, growth that stopped). Short windows are judged on de-seasonalized values, so the rising
 * half of a weekly cycle is not taken for a new trend.
 */
import type { Hour } from './hours';
import { DAY_HOURS, WEEK_HOURS, firstAtOrAfter, median } from './hours';
import type { SenFit } from './theil-sen';
import { seasonalSen } from './theil-sen';

export interface Trend extends SenFit {
  /** The hours the fit used: the level is read from them. */
  hours: readonly Hour[];
  /** Season length of the profile, in hours (24, or 168 when there are two weeks or more). */
  period: number;
}

const RECENT_DAYS = [7, 14];

/** The segment's values minus their seasonal profile (median per hour of the period, de-trended). */
function deseasonalize(seg: readonly Hour[], slope: number, period: number): Hour[] {
  const bySeason = new Map<number, number[]>();
  for (const x of seg) {
    const list = bySeason.get(x.h % period);
    if (list) list.push(x.avg - slope * x.h);
    else bySeason.set(x.h % period, [x.avg - slope * x.h]);
  }
  const prof = new Map([...bySeason].map(([s, list]) => [s, median(list)]));
  const mid = median([...prof.values()]);
  return seg.map((x) => {
    const shift = prof.get(x.h % period)! - mid;
    return { h: x.h, avg: x.avg - shift, max: x.max - shift };
  });
}

/**
 * The recent window's interval leaves out the whole fit's slope, and by a factor of two: the
 * trend has changed. Growth that comes in bursts of random size differs from week to week by less,
 * and the whole fit predicts it better.
 */
const changed = (recent: SenFit, longer: SenFit) =>
  recent.lo !== null &&
  recent.hi !== null &&
  ((recent.lo > longer.slope && recent.slope > 2 * longer.slope) || (recent.hi < longer.slope && recent.slope < longer.slope / 2));

/** Fits `seg` (sorted hours, at least a few days). */
export function fitTrend(seg: readonly Hour[]): Trend {
  const lastH = seg[seg.length - 1]!.h;
  const spanH = lastH - seg[0]!.h + 1;
  const period = spanH >= 2 * WEEK_HOURS ? WEEK_HOURS : DAY_HOURS;
  const trend: Trend = { ...seasonalSen(seg, period, spanH / DAY_HOURS), hours: seg, period };
  // Under two weeks a weekly cycle cannot be told from a trend: no shorter window then.
  if (period !== WEEK_HOURS) return trend;
  const flat = deseasonalize(seg, trend.slope, period);
  // The shortest window that departs from the whole: a mixed 14-day window must not hide the last 7.
  for (const days of RECENT_DAYS) {
    if (days * DAY_HOURS > spanH * 0.75) continue;
    const from = firstAtOrAfter(flat, lastH - days * DAY_HOURS + 1);
    if (!changed(seasonalSen(flat.slice(from), DAY_HOURS, days), trend)) continue;
    // The profile came from the older trend and leans on recent hours: refit them as they are.
    const hours = seg.slice(from);
    return { ...seasonalSen(hours, DAY_HOURS, days), hours, period: DAY_HOURS };
  }
  return trend;
}
