/**
 * The `forecast` alert kind: parse errors name the key; on a ManualClock, a disk forecast to fill
 * within the window fires once with the date in the message, and resolves once a cleanup leaves
 * no date any more. Forecasts come from stored history through the real Forecasts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertEngine } from '../../src/alerts/engine';
import { parseRules } from '../../src/alerts/rules';
import { parseChannels } from '../../src/notify/channels';
import { RecordingNotifier } from './recording-notifier';
import { Forecasts } from '../../src/server/fleet/forecasts';
import { Hub } from '../../src/server/fleet/hub';
import { createMemoryStore } from '../../src/store/memory-store';
import { ProbeError } from '../../src/util/errors';
import { ManualClock } from '../manual-clock';
import { GiB, writeDiskHistory } from '../forecast/history';

const DAY = 86_400_000;
const channels = parseChannels({ hook: { type: 'webhook', url: 'http://127.0.0.1:9/unused' } });

test('forecast rules: parse errors name the key', () => {
  const bad = (rule: Record<string, unknown>, key: RegExp) =>
    assert.throws(
      () => parseRules({ rules: [{ name: 'f', kind: 'forecast', ...rule }] }, channels),
      (e: unknown) => e instanceof ProbeError && e.code === 'PROBE_ERR_CONFIG' && key.test(e.message),
    );
  bad({ metric: 'cpu' }, /alerts\.rules\[0\]\.metric.*disk, memory, swap, traffic/);
  bad({ metric: 'traffic', mount: '/' }, /alerts\.rules\[0\]\.mount/);
  bad({ within: 'soon' }, /alerts\.rules\[0\]\.within/);
  const [rule] = parseRules({ rules: [{ name: 'f', kind: 'forecast', metric: 'disk', mount: '/data', within: '3d' }] }, channels);
  assert.deepEqual({ ...rule, notify: [] }, { ...rule, notify: [], kind: 'forecast', metric: 'disk', mount: '/data', withinMs: 3 * DAY });
  const [defaults] = parseRules({ rules: [{ name: 'g', kind: 'forecast' }] }, channels);
  assert.deepEqual(
    [defaults!.kind, 'metric' in defaults! && defaults.metric, 'withinMs' in defaults! && defaults.withinMs],
    ['forecast', 'disk', 7 * DAY],
  );
});

test('a disk forecast to fill within 7 days fires once with the date, and resolves when a cleanup leaves no date', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  const store = createMemoryStore();
  const node = store.addNode({ name: 'web-1', group: '', location: '', keyHash: 'k' }, clock.now() - 10 * DAY);
  const hub = new Hub(store.listNodes(), { now: () => clock.now() });
  // 40 → 64 GiB of 100 in 4 days: 36 GiB left at 6 GiB a day, full in ~6 days.
  const last = writeDiskHistory(store, node.id, {
    until: clock.now(),
    days: 4,
    startBytes: 40 * GiB,
    perDayBytes: 6 * GiB,
    totalBytes: 100 * GiB,
    stepMs: 30 * 60_000,
  });
  hub.restore(node.id, clock.now(), last);
  const forecasts = new Forecasts({ store, hub, now: () => clock.now() });
  const rules = parseRules({ rules: [{ name: 'disk-soon', kind: 'forecast', metric: 'disk', within: '7d', notify: ['hook'] }] }, channels);
  const notifier = new RecordingNotifier();
  const engine = new AlertEngine({
    rules,
    store,
    notifier,
    clock,
    offlineGraceMs: 0,
    node: (id) => hub.meta(id) ?? undefined,
    nodeIds: () => hub.ids(),
    link: (id) => `http://probe/#/node/${id}`,
    forecasts: (id) => forecasts.cached(id)?.items ?? null,
  });

  engine.tick();
  assert.equal(notifier.sent.length, 1);
  const fired = notifier.sent[0]!;
  assert.equal(fired.state, 'firing');
  assert.match(fired.text, /^\[warning\] disk-soon on web-1: \/ full in ~6 days, about 2026-12-0\d since /);
  clock.set(clock.now() + 60_000);
  engine.tick();
  assert.equal(notifier.sent.length, 1, 'fires once');

  // A cleanup to 20 GiB, and four flat days after it: the forecast starts from the new level, which does not grow.
  const flat = writeDiskHistory(
    store,
    node.id,
    { until: clock.now() + 4 * DAY, days: 4 - 1 / 48, startBytes: 20 * GiB, perDayBytes: 0, totalBytes: 100 * GiB, stepMs: 30 * 60_000 },
    10_000,
  );
  clock.set(clock.now() + 4 * DAY);
  hub.restore(node.id, clock.now(), flat);
  engine.tick();
  assert.deepEqual(
    notifier.sent.map((m) => m.state),
    ['firing', 'resolved'],
  );
  assert.match(notifier.sent[1]!.text, /^\[resolved\] disk-soon on web-1: forecast past 7 days now: \/: no date \((not growing|seasonal)/);
});
