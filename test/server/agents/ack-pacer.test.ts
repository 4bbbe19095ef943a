/**
 * The ack pacer on a hand-moved clock: the first ack at once, then at most one per interval with
 * the highest committed seq, a held ack sent before a cut, nothing after a connection is gone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACK_SWEEP_MS, AckPacer } from '../../../src/server/agents/ack-pacer';
import { ManualClock } from '../../manual-clock';

function pacer(t: { after(fn: () => unknown): void }) {
  const clock = new ManualClock();
  const sent: [string, number][] = [];
  const acks = new AckPacer<string>(clock, (target, seq) => sent.push([target, seq]));
  t.after(() => acks.close());
  return { clock, sent, acks };
}

test('the first ack goes at once; later ones at most once per interval, naming the highest committed seq', async (t) => {
  const { clock, sent, acks } = pacer(t);
  const a = acks.open('a', 1000);
  acks.committed(a, 1);
  assert.deepEqual(sent, [['a', 1]]);
  await clock.advance(300);
  acks.committed(a, 2);
  acks.committed(a, 3);
  assert.deepEqual(sent, [['a', 1]], 'held within the interval');
  await clock.advance(699);
  assert.deepEqual(sent, [['a', 1]], '1 ms before the interval has passed');
  await clock.advance(1 + ACK_SWEEP_MS);
  assert.deepEqual(
    sent,
    [
      ['a', 1],
      ['a', 3],
    ],
    'one ack for both, by the next sweep',
  );
  assert.equal(acks.held, 0);
  await clock.advance(5000);
  assert.equal(sent.length, 2, 'nothing new committed: nothing sent');
  acks.committed(a, 4);
  assert.deepEqual(sent.at(-1), ['a', 4], 'a commit after a quiet interval is acked at once');
});

test('an interval of 0 acks every commit at once; each connection is paced on its own', async (t) => {
  const { clock, sent, acks } = pacer(t);
  const fast = acks.open('fast', 0);
  const slow = acks.open('slow', 5000);
  for (const seq of [1, 2, 3]) {
    acks.committed(fast, seq);
    acks.committed(slow, seq);
  }
  assert.deepEqual(sent, [
    ['fast', 1],
    ['slow', 1],
    ['fast', 2],
    ['fast', 3],
  ]);
  slow.intervalMs = 1000;
  await clock.advance(1000);
  assert.deepEqual(sent.at(-1), ['slow', 3], 'a new interval (a hello) applies to acks held already');
});

test('flush sends a held ack at once (before a cut); a forgotten connection gets nothing more', async (t) => {
  const { clock, sent, acks } = pacer(t);
  const cut = acks.open('cut', 5000);
  const gone = acks.open('gone', 5000);
  acks.committed(cut, 1);
  acks.committed(gone, 1);
  acks.committed(cut, 2);
  acks.committed(gone, 2);
  acks.flush(cut);
  assert.deepEqual(sent.at(-1), ['cut', 2]);
  acks.flush(cut);
  assert.equal(sent.length, 3, 'nothing held: nothing more sent');
  acks.forget(gone);
  await clock.advance(10_000);
  assert.deepEqual(sent, [
    ['cut', 1],
    ['gone', 1],
    ['cut', 2],
  ]);
});

test('the sweep runs only while acks are held back, one for every connection; close stops it', async (t) => {
  const { clock, acks } = pacer(t);
  assert.equal(clock.timers, 0, 'nothing held: no timer (an idle server does not wake)');
  const [a, b] = [acks.open('a', 1000), acks.open('b', 1000)];
  acks.committed(a, 1);
  acks.committed(b, 1);
  assert.equal(clock.timers, 0, 'first acks go at once');
  acks.committed(a, 2);
  acks.committed(b, 2);
  assert.equal(clock.timers, 1, 'one sweep for both held acks');
  await clock.advance(1000 + ACK_SWEEP_MS);
  assert.equal(acks.held, 0);
  assert.equal(clock.timers, 0, 'all sent: the sweep stops');
  acks.committed(a, 3);
  assert.equal(clock.timers, 1);
  acks.forget(a);
  assert.equal(clock.timers, 0, 'the last held connection gone: the sweep stops');
  acks.committed(b, 3);
  acks.close();
  assert.equal(clock.timers, 0);
});

test('acks that fall due together (after a stall, or a fleet connecting at once) go out over several sweeps, and stay spread', async (t) => {
  const clock = new ManualClock();
  /** Acks sent, by the time they were sent (one sweep each). */
  const byTime = new Map<number, number>();
  const acks = new AckPacer<number>(clock, () => byTime.set(clock.now(), (byTime.get(clock.now()) ?? 0) + 1));
  t.after(() => acks.close());
  const paces = Array.from({ length: 1000 }, (_, i) => acks.open(i, 5000));
  for (const pace of paces) acks.committed(pace, 1);
  assert.deepEqual([...byTime.values()], [1000], 'the first ack of each at once');
  const rounds: number[][] = [];
  for (const seq of [2, 3]) {
    byTime.clear();
    for (const pace of paces) acks.committed(pace, seq);
    await clock.advance(5000 + 20 * ACK_SWEEP_MS);
    rounds.push([...byTime.values()]);
  }
  for (const round of rounds) {
    assert.equal(
      round.reduce((a, b) => a + b, 0),
      1000,
      'each held ack sent once a round',
    );
    assert.ok(Math.max(...round) <= 64, `at most 64 a sweep (${round.join(' ')})`);
  }
});
