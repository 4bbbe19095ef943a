/**
 * Silence judged on a hand-moved clock: two intervals plus the slack, no hello within its
 * timeout, the grace just after hello, and nobody blamed when the sweep itself came late.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HELLO_TIMEOUT_MS,
  SILENCE_SLACK_MS,
  SILENCE_SWEEP_MS,
  SilenceWatch,
  allowedSilenceMs,
} from '../../../src/server/agents/agent-silence';
import type { Heard } from '../../../src/server/agents/agent-silence';
import { ManualClock } from '../../manual-clock';

test('an agent may be silent two intervals plus the slack; before hello, the hello timeout; just after hello, the grace', () => {
  const now = 100_000;
  assert.equal(allowedSilenceMs({ lastMessageAt: 0, intervalMs: 500, helloAt: 0, revoked: false }, now, 0), 2 * 500 + SILENCE_SLACK_MS);
  assert.equal(allowedSilenceMs({ lastMessageAt: 0, intervalMs: null, helloAt: 0, revoked: false }, now), HELLO_TIMEOUT_MS);
  assert.equal(
    allowedSilenceMs({ lastMessageAt: 0, intervalMs: 500, helloAt: now - 2999, revoked: false }, now, 3000),
    3000,
    'within the grace',
  );
  assert.equal(allowedSilenceMs({ lastMessageAt: 0, intervalMs: 500, helloAt: now - 3000, revoked: false }, now, 3000), 2000, 'after it');
  assert.equal(
    allowedSilenceMs({ lastMessageAt: 0, intervalMs: 60_000, helloAt: now, revoked: false }, now, 3000),
    121_000,
    'a long interval outlasts the grace',
  );
});

function watch(t: { after(fn: () => unknown): void }, graceMs = 0) {
  const clock = new ManualClock();
  const conns: Heard[] = [];
  const silent: [Heard, number][] = [];
  const w = new SilenceWatch(
    clock,
    () => conns,
    (conn, ms) => silent.push([conn, ms]),
    graceMs,
  );
  t.after(() => w.close());
  const add = (intervalMs: number | null) => {
    const conn: Heard = { lastMessageAt: clock.now(), intervalMs, helloAt: intervalMs === null ? 0 : clock.now(), revoked: false };
    conns.push(conn);
    return conn;
  };
  return { clock, silent, add };
}

test('the sweep reports an agent silent past its allowance once it is past, and a revoked one never', async (t) => {
  const { clock, silent, add } = watch(t);
  const quiet = add(500);
  const revoked = add(500);
  revoked.revoked = true;
  await clock.advance(2000);
  assert.deepEqual(silent, [], 'silent exactly two intervals plus the slack');
  await clock.advance(SILENCE_SWEEP_MS);
  assert.deepEqual(silent, [[quiet, 3000]]);
});

test('an agent that keeps talking is never reported; one without hello is, after the hello timeout', async (t) => {
  const { clock, silent, add } = watch(t);
  const talker = add(500);
  const mute = add(null);
  for (let i = 0; i < 40; i++) {
    await clock.advance(400);
    talker.lastMessageAt = clock.now();
  }
  assert.deepEqual(silent, [[mute, 16_000]], 'reported at the first sweep past 15 s');
});

test('the grace after hello holds off the cut until it ends', async (t) => {
  const { clock, silent, add } = watch(t, 3000);
  const slow = add(200);
  await clock.advance(2000);
  assert.deepEqual(silent, [], 'silent 2 s, past two intervals, within the grace');
  await clock.advance(1000);
  assert.deepEqual(silent, [[slow, 3000]], 'the grace ended');
});

test('a sweep that comes late (this process was stalled) blames nobody; the next one on time does', (t) => {
  const clock = new ManualClock();
  const quiet: Heard = { lastMessageAt: clock.now(), intervalMs: 500, helloAt: clock.now(), revoked: false };
  const silent: Heard[] = [];
  const w = new SilenceWatch(
    clock,
    () => [quiet],
    (conn) => silent.push(conn),
    0,
  );
  t.after(() => w.close());
  // Sweeps called by hand: the manual clock would fire the missed ones at once, as Node's timers do not.
  clock.set(clock.now() + 10_000);
  w.sweep();
  assert.deepEqual(silent, [], 'the sweep came 9 s late');
  clock.set(clock.now() + SILENCE_SWEEP_MS);
  w.sweep();
  assert.deepEqual(silent, [quiet]);
});
