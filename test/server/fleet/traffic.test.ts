import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrafficMeter, addTraffic, periodStart } from '../../../src/server/fleet/traffic';

const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).getTime();

test('the billing period starts on the reset day at local midnight', () => {
  assert.equal(periodStart(at(2026, 11, 25), 1), new Date(2026, 10, 1).getTime());
  assert.equal(periodStart(at(2026, 11, 25), 28), new Date(2026, 9, 28).getTime());
  assert.equal(periodStart(at(2026, 1, 3), 15), new Date(2025, 11, 15).getTime(), 'January before the 15th belongs to December’s period');
});

test('traffic adds counter growth, survives reboots and starts again each period', () => {
  let s = addTraffic(undefined, at(2026, 11, 20), 1000, 500, 1);
  assert.equal(s.rxBytes, 0, 'what the counter held before probe saw it is not this period’s');
  s = addTraffic(s, at(2026, 11, 20, 13), 4000, 700, 1);
  assert.deepEqual([s.rxBytes, s.txBytes], [3000, 200]);
  assert.equal(addTraffic(s, at(2026, 11, 20, 13), 9999, 9999, 1), s, 'an old or repeated sample changes nothing');
  s = addTraffic(s, at(2026, 11, 21), 300, 100, 1);
  assert.deepEqual([s.rxBytes, s.txBytes], [3300, 300], 'after a reboot the counter restarts from zero');
  s = addTraffic(s, at(2026, 12, 1, 1), 1300, 150, 1);
  assert.deepEqual([s.rxBytes, s.txBytes], [1000, 50], 'a new period counts only from its first sample');
  assert.equal(s.periodStart, new Date(2026, 11, 1).getTime());
});

test('the meter reads zero in a new period before any sample, and persists what changed', () => {
  const meter = new TrafficMeter(() => 1);
  meter.add(1, at(2026, 11, 20), 100, 100);
  meter.add(1, at(2026, 11, 20, 14), 600, 300);
  meter.add(2, at(2026, 11, 20), undefined, 5);
  assert.deepEqual(meter.read(1, at(2026, 11, 21)), { rxBytes: 500, txBytes: 200, periodStart: new Date(2026, 10, 1).getTime() });
  assert.equal(meter.read(1, at(2026, 12, 2)).rxBytes, 0);
  const saved = meter.takeDirty();
  assert.deepEqual(
    saved.map((s) => s.nodeId),
    [1],
  );
  assert.deepEqual(meter.takeDirty(), []);

  const restored = new TrafficMeter(() => 1);
  restored.restore([...saved, { nodeId: 3, state: 'not json' }]);
  restored.add(1, at(2026, 11, 22), 1600, 300);
  assert.equal(restored.read(1, at(2026, 11, 22)).rxBytes, 1500, 'growth while the server was down is counted by the next sample');
});

test('the period follows the server’s time zone: the 1st in Shanghai is still November in UTC', (t) => {
  const saved = process.env.TZ;
  t.after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  const instant = Date.UTC(2026, 10, 30, 17); // 2026-12-01 01:00 in Shanghai
  process.env.TZ = 'UTC';
  assert.equal(periodStart(instant, 1), Date.UTC(2026, 10, 1));
  process.env.TZ = 'Asia/Shanghai';
  assert.equal(periodStart(instant, 1), Date.UTC(2026, 10, 30, 16), 'Shanghai midnight of December 1st');
  let s = addTraffic(undefined, instant - 2 * 3_600_000, 100, 0, 1); // 23:00 on Nov 30 in Shanghai
  s = addTraffic(s, instant, 600, 0, 1);
  assert.equal(s.rxBytes, 500, 'growth across the boundary goes to the new period');
  assert.equal(s.periodStart, Date.UTC(2026, 10, 30, 16));
});
