/**
 * @module forecastQuota: the day a traffic quota runs out in its billing period, or why not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forecastQuota } from '../../src/forecast/quota';

const DAY = 86_400_000;
const start = Date.UTC(2026, 2, 1);
const end = Date.UTC(2026, 3, 1);
const TB = 1e12;

test('at the average rate so far: 400 GB in 10 days of a 1 TB quota runs out on day 25', () => {
  const f = forecastQuota({ usedBytes: 0.4 * TB, limitBytes: TB, now: start + 10 * DAY, periodStart: start, periodEnd: end });
  assert.deepEqual(f, { fullAt: start + 25 * DAY, low: start + 25 * DAY, high: start + 25 * DAY });
});

test('lasting the period: no date, and what will be used by its end', () => {
  const f = forecastQuota({ usedBytes: 0.2 * TB, limitBytes: TB, now: start + 10 * DAY, periodStart: start, periodEnd: end });
  assert.equal(f.fullAt, null);
  assert.equal(f.reason, 'lasts the period: about 620.0 GB of 1000.0 GB used by 2026-04-01 at this rate');
});

test('already used up: now', () => {
  const now = start + 3 * DAY;
  assert.deepEqual(forecastQuota({ usedBytes: TB, limitBytes: TB, now, periodStart: start, periodEnd: end }), {
    fullAt: now,
    low: now,
    high: now,
  });
});

test('no limit, or the period just began', () => {
  assert.equal(
    forecastQuota({ usedBytes: 5, limitBytes: 0, now: start + DAY, periodStart: start, periodEnd: end }).reason,
    'no traffic limit set',
  );
  assert.match(
    forecastQuota({ usedBytes: 5, limitBytes: TB, now: start + 60_000, periodStart: start, periodEnd: end }).reason ?? '',
    /needs an hour/,
  );
});

test("with the period's hourly totals: the trend of the usage gives the date and a range around it", () => {
  // 50 GB a day, busier on weekdays; 12 days in.
  const points = Array.from({ length: 12 * 24 }, (_, h) => ({
    ts: start + h * 3_600_000,
    value: (h / 24) * 50e9 + (Math.floor(h / 24) % 7 < 5 ? 2e9 : 0),
  }));
  const now = start + 12 * DAY;
  const f = forecastQuota({ usedBytes: 600e9, limitBytes: TB, now, periodStart: start, periodEnd: end, points });
  assert.ok(f.fullAt !== null && f.low !== null && f.high !== null, f.reason);
  assert.ok(Math.abs(f.fullAt - (start + 20 * DAY)) < DAY, new Date(f.fullAt).toISOString());
  assert.ok(f.low <= f.fullAt && f.fullAt <= f.high);
});
