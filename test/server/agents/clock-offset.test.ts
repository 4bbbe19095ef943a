import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClockOffset } from '../../../src/server/agents/clock-offset';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 28, 12);

/** Samples every second from a node whose clock reads `skew` off, each arriving after `delay(i)` ms. */
function feed(clock: ClockOffset, from: number, count: number, skew: number, delay: (i: number) => number, seq0 = from): void {
  for (let i = 0; i < count; i++) {
    const truth = T0 + (from + i) * 1000;
    clock.observe(seq0 + i, truth + skew, truth + delay(i));
  }
}

test('clocks in agreement: nothing is corrected, whatever the network delay', () => {
  const clock = new ClockOffset();
  feed(clock, 0, 30, 0, (i) => 20 + (i % 7) * 90);
  assert.equal(clock.offsetMs, 0);
  assert.equal(clock.correct(T0), T0);
});

test('a node an hour ahead, no hello stamp: three samples on cadence give the offset, which then holds within a second', () => {
  const clock = new ClockOffset();
  feed(clock, 0, 2, HOUR, () => 40);
  assert.equal(clock.offsetMs, 0, 'two samples could be backfill');
  feed(clock, 2, 1, HOUR, () => 40);
  assert.ok(Math.abs(clock.offsetMs + HOUR) <= 40, `offset ${clock.offsetMs}`);
  const applied = clock.offsetMs;
  // Smaller delays refine the estimate, not the offset applied: a sample sent again keeps its stamp.
  feed(clock, 3, 20, HOUR, (i) => 15 + (i % 5) * 200);
  assert.equal(clock.offsetMs, applied);
  assert.ok(Math.abs(clock.correct(T0 + HOUR) - T0) <= 40);
});

test('the offset applied survives a new connection (hello) and a restart (given back): samples sent again get the same stamp', () => {
  const clock = new ClockOffset();
  clock.restart(T0 + HOUR, T0 + 35);
  const first = clock.take(1, T0 + 1000 + HOUR, T0 + 1000 + 40);
  // A reconnect: another hello, another delay; seq 1 again, unacked.
  clock.restart(T0 + 5000 + HOUR, T0 + 5000 + 12);
  assert.equal(clock.take(1, T0 + 1000 + HOUR, T0 + 5000 + 20), first);
  // A restarted server given the offset it saved.
  const again = new ClockOffset(500, clock.offsetMs);
  assert.equal(again.take(1, T0 + 1000 + HOUR, T0 + 9000), first, 'backfill before any hello');
  again.restart(T0 + 9000 + HOUR, T0 + 9000 + 300);
  assert.equal(again.take(1, T0 + 1000 + HOUR, T0 + 9000 + 310), first);
  // A real step (more than a second) moves it, for what the node sends from now on; what it sent
  // before (seq 1, unacked) keeps the stamp it had.
  again.restart(T0 + 10_000 + HOUR - 5000, T0 + 10_000 + 30);
  assert.equal(again.offsetMs, -HOUR + 5030);
  assert.equal(again.take(1, T0 + 1000 + HOUR, T0 + 10_100), first);
});

test('a restarted server, its own clock a second behind the node: samples sent again keep their stamps, new ones come after the newest stored', () => {
  // Stored before the restart: seqs 1-10 at the node's time (clocks in agreement then).
  const clock = new ClockOffset(500, 0, { seq: 10, ts: T0 + 10_000 });
  clock.restart(T0 + 12_000, T0 + 12_000 - 1300);
  assert.equal(clock.offsetMs, -1300);
  assert.equal(clock.take(9, T0 + 9000, T0 + 10_800), T0 + 9000, 'seq 9, unacked before, stamped as the first time');
  assert.equal(clock.take(10, T0 + 10_000, T0 + 10_800), T0 + 10_000);
  // The agent sends its newest sample first, then what it made while the server was down.
  const at13 = clock.take(13, T0 + 13_000, T0 + 11_750);
  const at11 = clock.take(11, T0 + 11_000, T0 + 11_800);
  const at12 = clock.take(12, T0 + 12_000, T0 + 11_800);
  assert.ok(T0 + 10_000 < at11 && at11 < at12 && at12 < at13, `stamped at ${[at11, at12, at13].map((a) => a - T0)}`);
});

test('a node ten minutes behind is stored at the server time', () => {
  const clock = new ClockOffset();
  feed(clock, 0, 10, -10 * 60_000, () => 30);
  assert.equal(clock.correct(T0 - 10 * 60_000), T0 + 30);
});

test('a first connection that starts with backfill (new seqs, stamped a second apart, sent at once) learns no offset from it', () => {
  const clock = new ClockOffset();
  for (let seq = 1; seq <= 60; seq++) clock.observe(seq, T0 + seq * 1000, T0 + 61_000 + seq);
  assert.equal(clock.offsetMs, 0);
});

test('backfilled samples (older seqs, old ts) do not move the estimate', () => {
  const clock = new ClockOffset();
  feed(clock, 100, 10, 2 * HOUR, () => 25, 100);
  const before = clock.offsetMs;
  // Seqs 0..99 sent after: hours old by their stamps, arriving now.
  for (let seq = 0; seq < 100; seq++) clock.observe(seq, T0 + 2 * HOUR + seq * 1000 - 5 * HOUR, T0 + 110_000);
  assert.equal(clock.offsetMs, before);
});

test('a clock stepped forward (NTP fixing a node that was behind) is followed at once', () => {
  const clock = new ClockOffset();
  feed(clock, 0, 10, -HOUR, () => 30);
  feed(clock, 10, 1, 0, () => 30, 10);
  assert.equal(clock.offsetMs, 0, 'in sync from the first sample after the step');
});

test('a clock stepped back is believed after three samples on cadence, not after a stall', () => {
  const clock = new ClockOffset();
  feed(clock, 0, 10, 0, () => 30);
  // A stall: samples 10..19 delivered together 12 s late; their offsets differ by a second each.
  for (let i = 0; i < 10; i++) clock.observe(10 + i, T0 + (10 + i) * 1000, T0 + 29_000 + i);
  assert.equal(clock.offsetMs, 0, 'a stall is not a clock step');
  // Now the node's clock steps back an hour and goes on on cadence.
  feed(clock, 30, 2, -HOUR, () => 30, 30);
  assert.equal(clock.offsetMs, 0, 'two samples do not confirm a step');
  feed(clock, 32, 1, -HOUR, () => 35, 32);
  assert.equal(clock.offsetMs, HOUR + 30);
});

test('a server clock stepped forward looks like every node stepped back, and is followed the same way', () => {
  const clock = new ClockOffset();
  feed(clock, 0, 10, 0, () => 30);
  feed(clock, 10, 3, -HOUR, () => 30, 10);
  assert.equal(clock.offsetMs, HOUR + 30);
});

test('a hello stamp starts over: a clock stepped back while the node was away is believed at once, and older seqs stay backfill', () => {
  const clock = new ClockOffset();
  feed(clock, 0, 10, 0, () => 30);
  clock.restart(T0 + 20_000 - HOUR, T0 + 20_000 + 10);
  assert.equal(clock.offsetMs, HOUR + 10);
  clock.observe(5, T0 - 50 * HOUR, T0 + 20_100);
  assert.equal(clock.offsetMs, HOUR + 10, 'seq 5 was seen before: backfill');
  feed(clock, 21, 1, -HOUR, () => 5, 21);
  assert.equal(clock.offsetMs, HOUR + 10, 'a smaller delay does not move the offset applied');
});

test("the samples before a step back is confirmed keep their order: stamped on arrival, not on older samples' times", () => {
  const clock = new ClockOffset();
  const at: number[] = [];
  for (let i = 0; i < 10; i++) at.push(clock.take(i, T0 + i * 1000, T0 + i * 1000 + 30));
  for (let i = 10; i < 14; i++) at.push(clock.take(i, T0 + i * 1000 - HOUR, T0 + i * 1000 + 30));
  for (let i = 1; i < at.length; i++) assert.ok(at[i]! > at[i - 1]!, `sample ${i} after sample ${i - 1}`);
  assert.ok(
    at.every((a, i) => Math.abs(a - (T0 + i * 1000)) <= 60),
    'each within the delay of its true time',
  );
});

test('an offset drifting past 1 s (the server easing back after its own clock stepped back) keeps every stamp after the one before', () => {
  const clock = new ClockOffset();
  let prev = -Infinity;
  // The server's time falls behind the node's by 1/16 of a second each second: the correction
  // starts once past SYNCED_WITHIN_MS, a second at once.
  for (let i = 0; i < 40; i++) {
    const ts = T0 + i * 1000;
    const at = clock.take(i + 1, ts, ts + 20 - i * 62.5);
    assert.ok(at > prev, `sample ${i + 1} stamped ${at - prev} ms after the one before`);
    prev = at;
  }
  assert.ok(clock.offsetMs < -1000, 'corrected by now');
});

test('the estimate is the smallest of the last 16 newest samples: a small delay counts until 16 newer ones pass it', () => {
  const clock = new ClockOffset();
  // A node 3 s behind whose first three samples came at once (40 ms), then each after 2.5 s more.
  feed(clock, 0, 3, -3000, () => 40);
  assert.equal(clock.offsetMs, 3040);
  feed(clock, 3, 15, -3000, () => 2540);
  assert.equal(clock.offsetMs, 3040, 'the last 40 ms sample is still among the last 16');
  feed(clock, 18, 1, -3000, () => 2540);
  assert.equal(clock.offsetMs, 5540, 'all three fell out of the window');
});

test('a hello after some samples starts the window over: what came before it is not part of the estimate', () => {
  const clock = new ClockOffset();
  feed(clock, 0, 5, 0, () => 30);
  // Hello: the node's clock read 3 s behind, the hello took 2 s to arrive (a slow link); then samples after 2.5 s.
  clock.restart(T0 + 10_000 - 3000, T0 + 10_000 - 1000);
  assert.equal(clock.offsetMs, 2000);
  feed(clock, 11, 3, -3000, () => 2500);
  assert.equal(clock.offsetMs, 2000, 'the smallest since the hello, not the 30 ms before it');
});
