/**
 * The live feed's parts alone, on a ManualClock: watch requests (parsed, limited, refused for
 * nodes a guest may not see), detail frames shared by a node's watchers, and guest visibility.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLiveRequest } from '../../../src/protocol/parse';
import { valuesRow } from '../../../src/protocol/row';
import { DEFAULT_NODE_SETTINGS } from '../../../src/config/page';
import { Hub } from '../../../src/server/fleet/hub';
import { GuestVisibility } from '../../../src/server/live/live-visibility';
import { LiveWatchers, WATCH_BURST, WATCH_RATE } from '../../../src/server/live/live-watchers';
import { ManualClock } from '../../manual-clock';
import { nodeRecord } from '../node-record';

test('parseLiveRequest takes only {"type":"watch","id":<positive integer or null>}', () => {
  assert.deepEqual(parseLiveRequest('{"type":"watch","id":3}'), { ok: true, value: { type: 'watch', id: 3 } });
  assert.deepEqual(parseLiveRequest('{"type":"watch","id":null}'), { ok: true, value: { type: 'watch', id: null } });
  for (const text of [
    null,
    '{nope',
    '"watch"',
    '[]',
    'null',
    '{"type":"watch"}',
    '{"type":"watch","id":"1"}',
    '{"type":"watch","id":0}',
    '{"type":"watch","id":1.5}',
    '{"type":"subscribe","id":1}',
    '['.repeat(100_000),
  ]) {
    const result = parseLiveRequest(text);
    assert.equal(result.ok, false, String(text).slice(0, 40));
    assert.equal(!result.ok && result.code, 'PROBE_ERR_BAD_MESSAGE');
  }
});

test('watch requests: the node whole, NOT_FOUND for a missing or (to a guest) hidden node, and a flood closes the feed', async () => {
  const clock = new ManualClock();
  const hub = new Hub([nodeRecord(1, 'open'), nodeRecord(2, 'secret')], {
    now: () => clock.now(),
    settings: { secret: { ...DEFAULT_NODE_SETTINGS, hidden: true } },
  });
  hub.sample(1, clock.now(), valuesRow({ cpu: 5, 'cpuCore.0': 7 }));
  const watchers = new LiveWatchers<object>(hub, clock);
  const guest = {};
  watchers.add(guest);
  const answer = (text: string) => {
    const a = watchers.request(guest, text, true);
    return a.close ? 'closed' : a.send && JSON.parse(a.send);
  };
  assert.deepEqual(answer('{"type":"watch","id":1}').node.values, { cpu: 5, 'cpuCore.0': 7 });
  assert.equal(watchers.watched(guest), 1);
  assert.equal(answer('{"type":"watch","id":2}').code, 'PROBE_ERR_NOT_FOUND');
  assert.equal(watchers.watched(guest), undefined, 'a refused watch ends the one before');
  assert.equal(watchers.request(guest, '{"type":"watch","id":2}', false).close, false);
  assert.equal(watchers.watched(guest), 2, 'the admin may watch it');
  assert.equal(answer('{"type":"watch","id":99}').code, 'PROBE_ERR_NOT_FOUND');
  assert.equal(answer('{"type":"watch","id":null}'), null);

  // The burst is spent (5 requests so far); the bucket refills WATCH_RATE a second.
  for (let i = 5; i < WATCH_BURST; i++) assert.notEqual(answer('{"type":"watch","id":null}'), 'closed');
  assert.equal(answer('{"type":"watch","id":null}'), 'closed');
  await clock.advance(1000 / WATCH_RATE);
  assert.equal(answer('{"type":"watch","id":null}'), null, 'one more after a tenth of a second');
});

test('detail frames: one per changed watched node, with only its detail metrics that changed', () => {
  const clock = new ManualClock();
  const hub = new Hub([nodeRecord(1, 'a')], { now: () => clock.now() });
  const watchers = new LiveWatchers<object>(hub, clock);
  const [one, two] = [{}, {}];
  for (const v of [one, two]) {
    watchers.add(v);
    watchers.request(v, '{"type":"watch","id":1}', false);
  }
  const delivered: [number, number, string | null][] = [];
  const details = () =>
    watchers.details(new Set([1]), (id, viewers, frame) =>
      delivered.push([id, viewers.length, frame === null || frame === 'whole' ? frame : frame.toString()]),
    );
  hub.sample(1, clock.now(), valuesRow({ cpu: 1, 'cpuCore.0': 2 }));
  details();
  assert.deepEqual(
    delivered.pop(),
    [1, 2, '{"type":"update","nodes":[{"id":1,"values":{"cpuCore.0":2}}]}'],
    'first sampled while watched: all its detail',
  );
  hub.sample(1, clock.now() + 1000, valuesRow({ cpu: 3, 'cpuCore.0': 4 }));
  details();
  assert.deepEqual(delivered.pop(), [1, 2, '{"type":"update","nodes":[{"id":1,"values":{"cpuCore.0":4}}]}']);
  hub.sample(1, clock.now() + 2000, valuesRow({ cpu: 5, 'cpuCore.0': 4 }));
  details();
  assert.deepEqual(delivered.pop(), [1, 2, null], 'no detail changed');
  assert.equal(watchers.active, true);
  watchers.remove(one);
  watchers.remove(two);
  details();
  assert.equal(watchers.active, false, 'nobody watches: nothing kept');
});

test('guest visibility: hidden since the last frame is removed for guests, shown again comes whole, hidden removals stay unmentioned', () => {
  const v = new GuestVisibility([3]);
  assert.equal(v.isHidden(3), true);
  v.changed(1, true);
  v.changed(1, true);
  assert.deepEqual(v.takeHidden(), [1], 'told once');
  assert.deepEqual(v.takeHidden(), []);
  v.changed(1, false);
  assert.equal(v.isRevealed(1), true);
  assert.deepEqual(v.takeRevealed(), [1]);
  assert.equal(v.isHidden(1), false);
  v.changed(2, false);
  assert.deepEqual(v.takeRevealed(), [], 'never hidden: nothing to reveal');
  v.changed(2, true);
  v.changed(2, false);
  assert.deepEqual([v.takeHidden(), v.takeRevealed()], [[], [2]], 'hidden and shown within one window: whole again');
  assert.deepEqual(v.removed([3, 4]), [4], 'the removal of a hidden node is not told to guests');
  assert.equal(v.isHidden(3), false);
});
