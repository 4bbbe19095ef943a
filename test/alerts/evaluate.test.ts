import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OK_STATE, step } from '../../src/alerts/evaluate';
import { thresholdConditions } from '../../src/alerts/kinds/threshold';
import type { AlertState } from '../../src/alerts/evaluate';
import type { ThresholdRule } from '../../src/alerts/rules';

const rule: ThresholdRule = {
  kind: 'threshold',
  name: 'cpu-high',
  metric: 'cpu',
  op: '>',
  threshold: 90,
  recover: 80,
  forMs: 5000,
  repeatMs: 0,
  scope: { groups: [], nodes: [] },
  severity: 'warning',
  notify: [],
};

/** Feeds values one per second from t=0 and returns the events with their times. */
function run(r: ThresholdRule, values: number[], start: AlertState = OK_STATE) {
  let state = start;
  const events: string[] = [];
  values.forEach((v, i) => {
    const { holds, recovered } = thresholdConditions(r, v);
    const result = step(r, state, holds, recovered, i * 1000);
    state = result.state;
    if (result.event) events.push(`${i}s ${result.event.state}${result.event.repeat ? ' again' : ''}`);
  });
  return { state, events };
}

test('fires only after the condition held for `for`, once', () => {
  assert.deepEqual(run(rule, [95, 95, 95, 95, 95, 95, 95, 95]).events, ['5s firing']);
  assert.deepEqual(run(rule, [95, 95, 95, 50, 95, 95, 95]).events, [], 'a dip restarts the wait');
  assert.deepEqual(run({ ...rule, forMs: 0 }, [50, 95]).events, ['1s firing'], 'for 0 fires at once');
});

test('hysteresis: between recover and threshold it stays firing; it resolves after the recover condition held for `for`', () => {
  const firing = run(rule, Array(6).fill(95));
  assert.equal(firing.state.status, 'firing');
  assert.deepEqual(run(rule, [...Array(6).fill(95), 85, 85, 85, 85, 85, 85, 85]).events, ['5s firing'], '85 is below 90 but not below 80');
  assert.deepEqual(run(rule, [...Array(6).fill(95), 70, 70, 70, 70, 70, 70]).events, ['5s firing', '11s resolved']);
  assert.deepEqual(
    run(rule, [...Array(6).fill(95), 70, 70, 95, 70, 70, 70, 70, 70, 70]).events,
    ['5s firing', '14s resolved'],
    'flapping back up restarts the recovery wait',
  );
});

test('repeat re-notifies while firing; the state keeps when it began', () => {
  const r = { ...rule, forMs: 0, repeatMs: 3000 };
  const { events, state } = run(r, Array(8).fill(99));
  assert.deepEqual(events, ['0s firing', '3s firing again', '6s firing again']);
  assert.equal(state.since, 0);
});

test('a restart in each state continues where it was (state is plain data)', () => {
  const pending = run(rule, [95, 95, 95]).state;
  assert.equal(pending.status, 'pending');
  const restored = JSON.parse(JSON.stringify(pending)) as AlertState;
  let r = step(rule, restored, true, false, 5000);
  assert.equal(r.event?.state, 'firing', 'pending since 0 fires at 5 s after a restart');
  r = step(rule, JSON.parse(JSON.stringify(r.state)) as AlertState, true, false, 6000);
  assert.equal(r.event, null, 'a firing alert restored is not sent again');
});

test('offline: the condition counts from when the node was last seen', () => {
  const timing = { forMs: 60_000, repeatMs: 0 };
  const lastSeen = 1000;
  let r = step(timing, OK_STATE, true, false, 30_000, lastSeen);
  assert.equal(r.state.status, 'pending');
  r = step(timing, r.state, true, false, 61_000, lastSeen);
  assert.equal(r.event?.state, 'firing');
  assert.equal(r.event?.since, lastSeen);
  r = step({ forMs: 0, repeatMs: 0 }, r.state, false, true, 70_000);
  assert.equal(r.event?.state, 'resolved');
});
