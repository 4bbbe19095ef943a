/**
 * @module forecastFull on each synthetic shape of the backtest: a date near the true one for the
 * series that fill, no date (with a reason a person can act on) for those that do not.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CAPACITY, DAY_MS, START, generate, hourly, shapes } from '../../bench/forecast-cases';
import { forecastFull } from '../../src/forecast/forecast';
import type { SeriesPoint } from '../../src/forecast/hours';

const HOUR = 3_600_000;
/** Allowed error of the time left, as a fraction of it: bursts of random size cannot be foreseen exactly. */
const TOLERANCE: Record<string, number> = { 'bursts+trend': 0.6, 'noisy+daily+trend': 0.35 };
const REASON: Record<string, RegExp> = {
  'weekly, no trend': /^seasonal with no trend: a weekly cycle between 7\d\.\d % and 8\d\.\d % of capacity$/,
  'rotation, no trend': /^seasonal with no trend: a daily cycle between/,
};

describe('series that fill: a date 7 days ahead', () => {
  for (const shape of shapes(1).filter((s) => s.fills)) {
    test(shape.name, () => {
      const c = generate(shape, 1, 46);
      const origin = c.fullAt! - 7 * DAY_MS;
      const f = forecastFull(hourly(c.samples, origin), CAPACITY, { now: origin });
      assert.ok(f.fullAt !== null && f.low !== null && f.high !== null, `no date: ${f.reason}`);
      const error = Math.abs(f.fullAt - c.fullAt!) / (7 * DAY_MS);
      assert.ok(error <= (TOLERANCE[shape.name] ?? 0.1), `off by ${(error * 100).toFixed(0)} %`);
      assert.ok(f.low <= f.fullAt && f.fullAt <= f.high && f.low >= origin, 'range holds the date');
      assert.equal(f.reason, undefined);
    });
  }
});

describe('series that do not fill: no 7-day alert, and a reason when there is no date', () => {
  for (const shape of shapes(2).filter((s) => !s.fills)) {
    test(shape.name, () => {
      const c = generate(shape, 2, 35);
      const origin = START + 35 * DAY_MS;
      const f = forecastFull(hourly(c.samples, origin), CAPACITY, { now: origin });
      if (shape.name === 'slow growth') {
        assert.ok(f.fullAt !== null && f.fullAt - origin > 180 * DAY_MS, 'a date far away');
        return;
      }
      assert.equal(f.fullAt, null);
      assert.equal(f.low, null);
      assert.match(f.reason ?? '', REASON[shape.name] ?? /^(not growing|shrinking): -?\d+\.\d\d % of capacity a day/);
    });
  }
});

const line = (from: number, hours: number, at: (h: number) => number): SeriesPoint[] =>
  Array.from({ length: hours }, (_, h) => ({ ts: from + h * HOUR, value: at(h) }));

describe('what "no date" says', () => {
  test('too little history: how much it has', () => {
    const f = forecastFull(
      line(START, 20, (h) => 100 + h),
      1000,
    );
    assert.deepEqual(f, { fullAt: null, low: null, high: null, reason: 'needs 3 days of data, has 20 h' });
  });

  test('a cleanup 10 hours ago: history counts from it', () => {
    const f = forecastFull(
      line(START, 10 * 24, (h) => (h < 230 ? 500 + h : 200 + h)),
      1000,
    );
    assert.equal(f.fullAt, null);
    assert.equal(f.reason, 'needs 3 days of data since the drop at 2026-01-14 14:00 UTC, has 10 h');
  });

  test('gaps: hours of data, not the span, must reach 3 days', () => {
    const points = line(START, 5 * 24, (h) => 100 + h).filter((_, h) => h % 24 < 6);
    assert.equal(forecastFull(points, 1000).reason, 'needs 3 days of data, has 30 h in 4.3 days (gaps)');
  });

  test('no points, or no capacity', () => {
    assert.equal(forecastFull([], 1000).reason, 'needs 3 days of data, has none');
    assert.equal(
      forecastFull(
        line(START, 100, (h) => h),
        0,
      ).reason,
      'no capacity known',
    );
  });
});

describe('dates', () => {
  test('steady growth from raw samples: the straight-line date, in any order', () => {
    // 1 unit an hour from 100 toward 1000, every 10 minutes for 5 days, shuffled.
    const points = Array.from({ length: 5 * 24 * 6 }, (_, i) => ({ ts: START + i * 600_000, value: 100 + i / 6 }));
    points.reverse();
    const f = forecastFull(points, 1000);
    const expected = START + 900 * HOUR;
    assert.ok(f.fullAt !== null && Math.abs(f.fullAt - expected) <= HOUR, `${f.fullAt} vs ${expected}`);
  });

  test('already at capacity: now', () => {
    const points = line(START, 10, (h) => 990 + h);
    const last = points[points.length - 1]!.ts;
    assert.deepEqual(forecastFull(points, 999), { fullAt: last, low: last, high: last });
  });

  test('an hourly max at capacity counts, though the average is below', () => {
    const points = line(START, 10, () => 500).map((p) => ({ ...p, max: 1000 }));
    assert.equal(forecastFull(points, 1000).fullAt, points[9]!.ts);
  });

  test('`now` later than the data: the date is counted from the data, not moved by the wait', () => {
    const points = line(START, 5 * 24, (h) => 100 + h);
    const a = forecastFull(points, 1000);
    const b = forecastFull(points, 1000, { now: START + 6 * 24 * HOUR });
    assert.ok(a.fullAt !== null && b.fullAt !== null && Math.abs(a.fullAt - b.fullAt) <= HOUR);
  });
});
