/**
 * @module Change points: where the series' current level starts, after the last cleanup (a sudden
 * drop that stays down) or the last sudden rise that stays up (a restore, an import). Drops that
 * come back within the day (log rotation) or repeat a week later (a weekly cycle) are not shifts.
 */
import type { Hour } from './hours';
import { DAY_HOURS, WEEK_HOURS, firstAtOrAfter, median } from './hours';

/** A day of usage before the jump, three days after it: what "stays down / up" means. */
const BEFORE_H = 24;
const AFTER_H = 72;
/** The jump happens within this many hours (a cleanup may straddle two hourly rollups). */
const STEP_H = 3;

interface Scale {
  /** The trend a jump is measured against, per hour: the median change from a day before. */
  perHour: number;
  /** Smallest jump that counts, in the series' unit. */
  threshold: number;
}

/**
 * Noise from the hour-to-hour changes (median absolute deviation, so jumps do not inflate it); the
 * trend from day-to-day changes, so growth that comes in one burst a day is a trend, not a jump.
 */
function scaleOf(hours: readonly Hour[], capacity: number): Scale {
  const byH = new Map(hours.map((x) => [x.h, x.avg]));
  const hourly: number[] = [];
  const daily: number[] = [];
  for (const x of hours) {
    const hourAgo = byH.get(x.h - 1);
    const dayAgo = byH.get(x.h - DAY_HOURS);
    if (hourAgo !== undefined) hourly.push(x.avg - hourAgo);
    if (dayAgo !== undefined) daily.push((x.avg - dayAgo) / DAY_HOURS);
  }
  const perHour = daily.length > 0 ? median(daily) : hourly.length > 0 ? median(hourly) : 0;
  const center = hourly.length > 0 ? median(hourly) : 0;
  const sigma = hourly.length > 0 ? 1.4826 * median(hourly.map((d) => Math.abs(d - center))) : 0;
  return { perHour, threshold: Math.max(8 * sigma, 0.02 * capacity) };
}

function range(hours: readonly Hour[], fromH: number, toH: number): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = firstAtOrAfter(hours, fromH); i < hours.length && hours[i]!.h <= toH; i++) {
    min = Math.min(min, hours[i]!.avg);
    max = Math.max(max, hours[i]!.avg);
  }
  return { min, max };
}

/** +1 for a rise, −1 for a drop, 0 for neither: a sudden jump at `i` that the next three days keep. */
function jumpAt(hours: readonly Hour[], i: number, s: Scale): number {
  const x = hours[i]!;
  const prevH = hours[i - 1]!.h;
  const k = x.h - prevH + STEP_H - 1;
  const step = range(hours, prevH - STEP_H + 1, prevH);
  const before = range(hours, prevH - BEFORE_H + 1, prevH);
  const after = range(hours, x.h, x.h + AFTER_H - 1);
  const drop = step.max - x.avg + Math.min(s.perHour, 0) * k > s.threshold && after.max < before.max - s.threshold;
  const grown = Math.max(s.perHour, 0) * (x.h - prevH + BEFORE_H - 1);
  const rise = x.avg - step.min - Math.max(s.perHour, 0) * k > s.threshold && after.min - before.min - grown > s.threshold;
  return rise ? 1 : drop ? -1 : 0;
}

/** False when the same hours a week earlier were already at this level: a weekly cycle, not a shift. */
function newThisWeek(hours: readonly Hour[], byH: ReadonlyMap<number, number>, i: number, sign: number, s: Scale): boolean {
  const x = hours[i]!;
  const deltas: number[] = [];
  for (let j = i; j < hours.length && hours[j]!.h < x.h + AFTER_H; j++) {
    const weekAgo = byH.get(hours[j]!.h - WEEK_HOURS);
    if (weekAgo !== undefined) deltas.push(hours[j]!.avg - weekAgo - s.perHour * WEEK_HOURS);
  }
  return deltas.length === 0 || sign * median(deltas) > s.threshold / 2;
}

/** Index of the first hour of the current level: 0 when there was no shift. */
export function lastLevelShift(hours: readonly Hour[], capacity: number): number {
  const s = scaleOf(hours, capacity);
  const byH = new Map(hours.map((x) => [x.h, x.avg]));
  for (let i = hours.length - 1; i >= 1; i--) {
    const sign = jumpAt(hours, i, s);
    if (sign === 0 || !newThisWeek(hours, byH, i, sign, s)) continue;
    // The jump shows for a few hours running (the step window spans them): start at its first.
    while (i > 1 && jumpAt(hours, i - 1, s) === sign) i--;
    return i;
  }
  return 0;
}
