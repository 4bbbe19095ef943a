/**
 * The agent's session on a manual clock: what is sent, what an ack covers, backfill and its pacing,
 * silence and reconnect backoff, each checked to the millisecond without waiting in real time. The
 * buffer is a real one on disk; the test plays the server on an in-memory link.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { BACKOFF_CAP_MS } from '../../src/agent/backoff';
import { SampleBuffer } from '../../src/agent/buffer';
import type { BufferedSample } from '../../src/agent/buffer';
import { AgentSession, BACKFILL_HIGH_WATER, BACKFILL_STEP_MS, silenceTimeout } from '../../src/agent/session';
import type { Link } from '../../src/agent/session';
import { decodeCompact } from '../../src/protocol/compact';
import { setLogLevel } from '../../src/util/log';
import { ManualClock } from '../manual-clock';

class TestLink implements Link {
  readonly frames: string[] = [];
  open = true;
  bufferedAmount = 0;
  terminated = false;
  send(frame: string): void {
    this.frames.push(frame);
  }
  terminate(): void {
    this.terminated = true;
    this.open = false;
  }
  /** How often the session had the link read and rest. */
  reads = 0;
  /** Reads finish at once unless a test holds them (then finishRead ends them). */
  holdReads = false;
  private readonly reading: (() => void)[] = [];
  readThenRest(then?: () => void): void {
    this.reads++;
    if (then) this.reading.push(then);
    if (!this.holdReads) this.finishRead();
  }
  /** The read is done; what it found has been handed to the session before this (h.ack …). */
  finishRead(): void {
    for (const then of this.reading.splice(0)) then();
  }
  /** Seqs of the JSON sample frames sent, in order. */
  get seqs(): number[] {
    return this.frames
      .map((f) => JSON.parse(f) as { type: string; seq?: number })
      .filter((m) => m.type === 'sample')
      .map((m) => m.seq!);
  }
}

interface Harness {
  clock: ManualClock;
  buffer: SampleBuffer;
  session: AgentSession;
  /** When each dial happened (clock ms), and the link it opened if the server was up. */
  dials: { at: number; link: TestLink | null }[];
  serverUp: boolean;
  readonly link: TestLink;
  /** A new sample, stored and handed to the session as the agent's scheduler does. */
  sample(fields?: number[]): BufferedSample;
  welcome(extra?: Record<string, unknown>): void;
  ack(seq: number): void;
  /** The link fails as a dead or closed socket does: closed, then the session dials again later. */
  drop(): void;
}

const HELLO = {
  type: 'hello' as const,
  protocol: 1,
  agentVersion: 'test',
  intervalMs: 1000,
  metrics: ['cpu'],
  host: { hostname: 'h', os: 'o', kernel: 'k', arch: 'x64', cpuModel: 'c', cores: 1, bootTime: 0 },
};

function harness(t: TestContext, options: { intervalMs?: number; serverUp?: boolean; backfillBatch?: number } = {}): Harness {
  setLogLevel('error');
  const clock = new ManualClock();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-session-'));
  const buffer = new SampleBuffer(dir);
  t.after(() => {
    buffer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const h: Harness = {
    clock,
    buffer,
    dials: [],
    serverUp: options.serverUp ?? true,
    session: new AgentSession({
      buffer,
      clock,
      hello: () => HELLO,
      intervalMs: options.intervalMs ?? 1000,
      url: 'ws://test/ws/agent',
      random: () => 0,
      backfillBatch: options.backfillBatch,
      dial: () => {
        if (!h.serverUp) {
          h.dials.push({ at: clock.now(), link: null });
          h.session.failed('connect ECONNREFUSED');
          h.session.closed(null);
          return;
        }
        const link = new TestLink();
        h.dials.push({ at: clock.now(), link });
        h.session.opened(link);
      },
    }),
    get link() {
      const link = h.dials.at(-1)?.link;
      assert.ok(link, 'a link is open');
      return link;
    },
    sample(fields) {
      const seq = buffer.nextSeq();
      const ts = clock.now();
      const sample = { seq, ts, text: JSON.stringify({ type: 'sample', seq, ts, values: [seq] }), ...(fields ? { fields } : {}) };
      buffer.append(sample, ts);
      h.session.send(sample);
      return sample;
    },
    welcome(extra = {}) {
      h.session.received(JSON.stringify({ type: 'welcome', protocol: 1, serverVersion: 'test', node: 'n', ignoredMetrics: [], ...extra }));
    },
    ack(seq) {
      h.session.received(JSON.stringify({ type: 'ack', seq }));
    },
    drop() {
      const link = h.link;
      link.open = false;
      h.session.closed(link);
    },
  };
  t.after(() => h.session.stop());
  return h;
}

test('hello first, then each new sample at once; an ack covers the acked sample and all sent before it', async (t) => {
  const h = harness(t);
  h.session.start();
  assert.equal(JSON.parse(h.link.frames[0]!).type, 'hello');
  h.welcome();
  for (let i = 0; i < 4; i++) h.sample();
  assert.deepEqual(h.link.seqs, [1, 2, 3, 4]);
  h.ack(3);
  assert.equal(h.buffer.unackedCount, 1, 'seqs 1 to 3 acked by one ack');
  assert.ok(h.buffer.isAcked(1) && h.buffer.isAcked(3) && !h.buffer.isAcked(4));
  h.ack(99);
  h.ack(2);
  assert.equal(h.buffer.unackedCount, 1, 'an ack of a seq not in flight on this connection covers nothing');
  h.ack(4);
  assert.equal(h.buffer.unackedCount, 0);
  await h.clock.advance(10 * BACKFILL_STEP_MS);
  assert.deepEqual(h.link.seqs, [1, 2, 3, 4], 'nothing is sent twice on one connection');
});

test('what was in flight when the link dropped is sent again on the next connection, by backfill', async (t) => {
  const h = harness(t);
  h.session.start();
  h.welcome();
  for (let i = 0; i < 3; i++) h.sample();
  h.ack(1);
  h.drop();
  assert.equal(h.session.stats.connected, false);
  h.sample();
  await h.clock.advance(499);
  assert.equal(h.dials.length, 1);
  await h.clock.advance(1);
  assert.equal(h.dials.length, 2, 'dialled again after the first backoff (500 ms with random 0)');
  assert.deepEqual(h.link.seqs, [2, 3, 4], 'the unacked ones, oldest first, the one made while away included');
  h.welcome();
  h.ack(3);
  assert.equal(h.buffer.unackedCount, 1);
  h.ack(4);
  assert.equal(h.buffer.unackedCount, 0);
});

test('backfill: 250 old samples in batches of 100, one batch every BACKFILL_STEP_MS, with live samples in between', async (t) => {
  const h = harness(t, { serverUp: false });
  h.session.start();
  for (let i = 0; i < 250; i++) h.sample();
  assert.equal(h.dials.length, 1);
  h.serverUp = true;
  await h.clock.advance(500);
  const link = h.link;
  assert.deepEqual(link.seqs, range(1, 100), 'the first batch as soon as the connection opens');
  h.welcome();
  h.sample();
  assert.deepEqual(link.seqs.slice(100), [251], 'a live sample goes at once, not after the backfill');
  await h.clock.advance(BACKFILL_STEP_MS - 1);
  assert.equal(link.seqs.length, 101, 'the next batch waits its step');
  await h.clock.advance(1);
  assert.deepEqual(link.seqs.slice(101), range(101, 200));
  await h.clock.advance(BACKFILL_STEP_MS);
  assert.deepEqual(link.seqs.slice(201), range(201, 250), 'the live sample is not backfilled again');
  assert.equal(h.session.stats.backfilled, 250);
  h.ack(250);
  assert.equal(h.buffer.unackedCount, 0, 'the last one sent acks all of them, the live one included');
  await h.clock.advance(BACKFILL_STEP_MS);
  assert.equal(h.clock.timers, 1, 'backfill is done: only the silence timer is left');
});

test('backfill pauses while the socket holds BACKFILL_HIGH_WATER bytes and resumes when it drains', async (t) => {
  const h = harness(t, { serverUp: false, backfillBatch: 10 });
  h.session.start();
  for (let i = 0; i < 30; i++) h.sample();
  h.serverUp = true;
  await h.clock.advance(500);
  const link = h.link;
  assert.equal(link.seqs.length, 10);
  link.bufferedAmount = BACKFILL_HIGH_WATER;
  await h.clock.advance(5 * BACKFILL_STEP_MS);
  assert.equal(link.seqs.length, 10, 'nothing more while the socket is full');
  link.bufferedAmount = BACKFILL_HIGH_WATER - 1;
  await h.clock.advance(BACKFILL_STEP_MS);
  assert.deepEqual(link.seqs, range(1, 20));
  await h.clock.advance(BACKFILL_STEP_MS);
  assert.deepEqual(link.seqs, range(1, 30));
});

test('silence: the link is dropped after silenceTimeout without a word; any message or ping restarts the count', async (t) => {
  assert.equal(silenceTimeout(5000, 1000), 6000, 'fast samples: one ack interval plus one sample interval');
  assert.equal(silenceTimeout(5000, 10_000), 20_000, 'slow samples are each acked: two intervals');
  const h = harness(t, { intervalMs: 200 });
  h.session.start();
  assert.equal(h.session.silenceTimeoutMs, silenceTimeout(5000, 200), 'the protocol default until the welcome says otherwise');
  await h.clock.advance(1000);
  h.welcome({ ackIntervalMs: 300 });
  assert.equal(h.session.silenceTimeoutMs, 500);
  await h.clock.advance(499);
  h.session.heard();
  await h.clock.advance(499);
  h.ack(0);
  await h.clock.advance(499);
  assert.equal(h.link.terminated, false, 'each word in time keeps the link');
  await h.clock.advance(1);
  assert.equal(h.link.terminated, true, '500 ms of silence: the link is given up on');
  h.sample();
  assert.deepEqual(h.link.seqs, [], 'nothing is sent on a link being torn down');
  h.drop();
  await h.clock.advance(500);
  assert.equal(h.dials.length, 2, 'and dialled again');
});

test('a steady link rests between live samples: not before the welcome, not while backfill runs', async (t) => {
  const h = harness(t);
  // 150 samples stored while no server was there: backfill takes two steps.
  for (let seq = 1; seq <= 150; seq++)
    h.buffer.append({ seq, ts: seq, text: JSON.stringify({ type: 'sample', seq, ts: seq, values: [seq] }) }, 0);
  h.session.start();
  h.sample();
  assert.equal(h.link.reads, 0, 'before the welcome the link reads all the time (welcome, refusals)');
  h.welcome();
  await h.clock.advance(0);
  h.sample();
  assert.equal(h.link.reads, 0, 'nor while backfill is under way');
  await h.clock.advance(2 * BACKFILL_STEP_MS);
  assert.equal(h.buffer.unacked(0, 1000).length, 152, 'every stored sample went out');
  h.sample();
  h.sample();
  assert.equal(h.link.reads, 2, 'then once per live sample');
  h.drop();
  await h.clock.advance(1000);
  assert.equal(h.dials.length, 2);
  h.sample();
  assert.equal(h.link.reads, 0, 'a new link reads all the time again until it is steady');
});

test('silence on a resting link: it is read before it is given up on, and a word found in that read keeps it', async (t) => {
  const h = harness(t, { intervalMs: 200 });
  h.session.start();
  h.welcome({ ackIntervalMs: 300 });
  await h.clock.advance(0);
  h.link.holdReads = true;
  const first = h.sample();
  assert.equal(h.link.reads, 1);
  await h.clock.advance(500);
  assert.equal(h.link.reads, 2, 'the silence timer had the link read');
  assert.equal(h.link.terminated, false, 'and waits for that read');
  h.ack(first.seq);
  h.link.finishRead();
  assert.equal(h.link.terminated, false, 'the ack found in the read keeps the link');
  await h.clock.advance(499);
  assert.equal(h.link.terminated, false);
  await h.clock.advance(1);
  assert.equal(h.link.reads, 3);
  h.link.finishRead();
  assert.equal(h.link.terminated, true, 'a read that finds nothing: 500 ms of silence, the link is given up on');
});

test('reconnect backoff doubles from 1 s up to the 30 s cap while the server is away, and starts over after a welcome', async (t) => {
  const h = harness(t, { serverUp: false });
  h.session.start();
  await h.clock.advance(120_000);
  const gaps = h.dials.slice(1).map((d, i) => d.at - h.dials[i]!.at);
  // random() is 0: each delay is half its ceiling.
  assert.deepEqual(gaps.slice(0, 7), [500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
  assert.ok(gaps.every((g) => g <= BACKOFF_CAP_MS));
  h.serverUp = true;
  const back = h.clock.now();
  while (!h.dials.at(-1)!.link) await h.clock.advance(100);
  assert.ok(h.dials.at(-1)!.at - back <= BACKOFF_CAP_MS, 'connected within the cap of the server coming back');
  h.welcome();
  h.drop();
  await h.clock.advance(499);
  const before = h.dials.length;
  await h.clock.advance(1);
  assert.equal(h.dials.length, before + 1, 'a welcome resets the backoff to its first step');
});

test('stop() ends dialing and leaves no timer behind', async (t) => {
  const h = harness(t, { serverUp: false });
  h.session.start();
  await h.clock.advance(500 + 1000);
  assert.equal(h.dials.length, 3);
  h.session.stop();
  await h.clock.advance(60_000);
  assert.equal(h.dials.length, 3);
  assert.equal(h.clock.timers, 0, 'no timer left behind');
});

test('a two-minute outage at one sample a second: every sample reaches the server once, in order, after it returns', async (t) => {
  const h = harness(t);
  h.session.start();
  h.welcome();
  const received = new Set<number>();
  const serve = (link: TestLink) => {
    for (const seq of link.seqs) received.add(seq);
    const last = link.seqs.at(-1);
    if (last !== undefined) h.ack(last);
  };
  for (let s = 0; s < 10; s++) {
    h.sample();
    await h.clock.advance(1000);
    serve(h.link);
  }
  h.serverUp = false;
  h.drop();
  for (let s = 0; s < 120; s++) {
    h.sample();
    await h.clock.advance(1000);
  }
  assert.equal(h.buffer.unackedCount, 120);
  h.serverUp = true;
  const welcomed = new Set<TestLink>();
  for (let s = 0; s < 60 && h.buffer.unackedCount > 0; s++) {
    h.sample();
    await h.clock.advance(1000);
    const link = h.dials.at(-1)!.link;
    if (!link) continue;
    if (!welcomed.has(link)) h.welcome();
    welcomed.add(link);
    serve(link);
  }
  assert.equal(h.buffer.unackedCount, 0, 'everything acked');
  const last = h.buffer.nextSeq() - 1;
  assert.deepEqual(
    [...received].sort((a, b) => a - b),
    range(1, last),
    'every seq, none missing',
  );
  const link = h.link;
  assert.equal(new Set(link.seqs).size, link.seqs.length, 'none sent twice on the connection after the outage');
  assert.ok(h.session.stats.backfilled >= 120, `${h.session.stats.backfilled} backfilled`);
});

test('compact frames for live samples once the welcome offers them, JSON for backfill of stored text', async (t) => {
  const h = harness(t);
  h.session.start();
  h.welcome({ compact: true });
  h.sample([0.5]);
  h.sample([0.75]);
  const [first, second] = h.link.frames.slice(1);
  const a = decodeCompact(null, first!, 3);
  assert.deepEqual(a.slice(0, 1).concat(a.slice(2)), [1, 0.5]);
  assert.deepEqual(decodeCompact(a, second!, 3).slice(2), [0.75]);
  h.drop();
  await h.clock.advance(500);
  h.welcome();
  await h.clock.advance(0);
  assert.deepEqual(h.link.seqs, [1, 2], 'without compact in the welcome, the stored JSON goes');
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

test('hold: a server that is alive but not storing keeps the link and every sample for as long as it says so', async (t) => {
  const h = harness(t);
  h.session.start();
  h.welcome({ ackIntervalMs: 1000 });
  for (let i = 0; i < 3; i++) h.sample();
  h.ack(2);
  // A minute of holds on the ack schedule, with a sample a second: no ack, no reconnect.
  for (let s = 0; s < 60; s++) {
    await h.clock.advance(1000);
    h.sample();
    h.session.received(JSON.stringify({ type: 'hold', reason: 'disk full' }));
  }
  assert.equal(h.dials.length, 1, 'still the first connection');
  assert.equal(h.link.terminated, false);
  assert.equal(h.buffer.unackedCount, 61, 'everything from seq 3 on is kept');
  h.ack(63);
  assert.equal(h.buffer.unackedCount, 0, 'the first ack after the hold covers what was held');
  await h.clock.advance(2000);
  assert.equal(h.link.terminated, true, 'without holds or acks, silence still ends the link');
});
