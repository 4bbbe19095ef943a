/**
 * The cluster's live feed without sockets: a sending server's hub through PeerOutlet's frames,
 * parsePeerFrame and PeerIntake into a following server's hub, as the page would then show it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NamesPool, valuesRow } from '../../../src/protocol/row';
import type { Row } from '../../../src/protocol/row';
import { PeerOutlet } from '../../../src/server/peers/peer-outlet';
import { PeerClaims, PeerIntake } from '../../../src/server/peers/peer-intake';
import { MAX_PEER_FRAME_BYTES, parsePeerFrame } from '../../../src/server/peers/peer-frame';
import { Hub } from '../../../src/server/fleet/hub';
import type { ProbeError } from '../../../src/util/errors';
import { nodeRecord } from '../node-record';

const HANDOVER = 3000;
const host = { hostname: 'h', os: 'Linux', kernel: '6', arch: 'x64', cpuModel: 'c', cores: 4, bootTime: 1 };

/** Server B (sender) and server A (follower), node ids differing on purpose: nodes match by name. */
function pair() {
  let now = 1_000_000;
  const clock = () => now;
  const b = new Hub([nodeRecord(1, 'tokyo'), nodeRecord(2, 'paris'), nodeRecord(3, 'only-on-b')], { now: clock, handoverMs: HANDOVER });
  const a = new Hub([nodeRecord(11, 'tokyo'), nodeRecord(12, 'paris')], { now: clock, handoverMs: HANDOVER });
  const byName = new Map(a.ids().map((id) => [a.get(id)!.name, id]));
  const claims = new PeerClaims(a);
  const outlet = new PeerOutlet();
  const intake = new PeerIntake(a, claims, (name) => byName.get(name), new NamesPool());
  /** One tick: B's frames, parsed and applied on A; returns the frames' text. */
  const tick = () => {
    const frames = outlet.frames(b);
    for (const frame of frames) intake.apply(parsePeerFrame(frame));
    return frames;
  };
  return { b, a, byName, claims, intake, tick, advance: (ms: number) => void (now += ms), now: clock };
}

test("a node whose agent is on B is online on A with B's values and host, and only what changed goes again", () => {
  const p = pair();
  p.b.setOnline(1, true);
  p.b.setHost(1, host);
  const row: Row = valuesRow({ cpu: 12.5, memUsedBytes: 1e9, netRxBytesTotal: 5000 });
  p.b.sample(1, p.now(), row);
  const first = p.tick();
  assert.equal(p.a.view(11)!.online, true);
  assert.deepEqual(p.a.view(11)!.values, { cpu: 12.5, memUsedBytes: 1e9, netRxBytesTotal: 5000 });
  assert.equal(p.a.view(11)!.lastSeen, p.now());
  assert.equal(p.a.view(11)!.cores, 4, 'host facts come along');
  assert.equal(p.a.view(12)!.online, false, 'paris has no agent anywhere');
  assert.deepEqual(p.tick(), [], 'nothing new, nothing sent');

  p.advance(1000);
  p.b.sample(1, p.now(), { names: row.names, data: [13, 1e9, 6000] });
  const second = p.tick();
  assert.deepEqual(p.a.view(11)!.values, { cpu: 13, memUsedBytes: 1e9, netRxBytesTotal: 6000 });
  assert.equal(p.a.view(11)!.lastSeen, p.now());
  assert.deepEqual(JSON.parse(second[0]!).values, ['1~13,,6000,d1000'], 'the same value left empty, a time as its delta');
  assert.ok(second[0]!.length < first[0]!.length / 3);
});

test('what A receives is not passed on: A forwards only its own agents', () => {
  const p = pair();
  p.b.setOnline(1, true);
  p.b.sample(1, p.now(), valuesRow({ cpu: 1 }));
  p.tick();
  const back = new PeerOutlet();
  assert.deepEqual(back.frames(p.a), [], 'A has no agent of its own');
  p.a.setOnline(12, true);
  p.a.sample(12, p.now(), valuesRow({ cpu: 2 }));
  const frames = back.frames(p.a);
  assert.deepEqual(
    frames.flatMap((f) => parsePeerFrame(f).nodes.map((n) => n[1])),
    ['paris'],
  );
});

test('the agent leaving B: online on A for the handover, then offline; coming back within it does not blink', () => {
  const p = pair();
  p.b.setOnline(1, true);
  p.b.sample(1, p.now(), valuesRow({ cpu: 1 }));
  p.tick();
  const changes: number[][] = [];
  p.a.subscribe((e) => 'changed' in e && changes.push(e.changed));
  p.b.setOnline(1, false);
  p.tick();
  p.advance(HANDOVER - 1);
  p.a.settle();
  assert.equal(p.a.view(11)!.online, true, 'still within the handover');
  // The agent connects to A itself: no offline in between.
  p.a.setOnline(11, true);
  p.advance(HANDOVER);
  p.a.settle();
  assert.equal(p.a.view(11)!.online, true);
  assert.deepEqual(changes, [], 'the page was never told it went offline');
  p.a.setOnline(11, false);
  p.advance(HANDOVER);
  p.a.settle();
  assert.equal(p.a.view(11)!.online, false, 'on no server: offline after the handover');
});

test("the link to B closing: B's nodes go offline on A after the handover", () => {
  const p = pair();
  p.b.setOnline(1, true);
  p.b.setOnline(2, true);
  p.tick();
  assert.equal(p.claims.size, 2);
  p.intake.close();
  assert.equal(p.claims.size, 0);
  p.advance(HANDOVER);
  p.a.settle();
  assert.deepEqual([p.a.view(11)!.online, p.a.view(12)!.online], [false, false]);
});

test("a node whose agent is on A itself keeps A's own values when B forwards older ones", () => {
  const p = pair();
  p.a.setOnline(11, true);
  p.a.sample(11, p.now(), valuesRow({ cpu: 50 }));
  p.b.setOnline(1, true);
  p.b.sample(1, p.now() + 500, valuesRow({ cpu: 7 }));
  p.tick();
  assert.equal(p.a.view(11)!.values.cpu, 50, 'local wins');
});

test('a node A does not know is ignored and named until A has it; bad frames are refused with a code', () => {
  const p = pair();
  p.b.setOnline(3, true);
  p.b.sample(3, p.now(), valuesRow({ cpu: 1 }));
  p.tick();
  assert.deepEqual([...p.intake.unknown], ['only-on-b']);
  // Added here a moment later (a shared registry syncs within a second): its next values adopt it.
  p.a.sync([...p.a.ids().map((id) => p.a.get(id)!), nodeRecord(13, 'only-on-b')]);
  p.byName.set('only-on-b', 13);
  p.advance(1000);
  p.b.sample(3, p.now(), valuesRow({ cpu: 2 }));
  p.tick();
  assert.deepEqual([p.a.view(13)!.online, p.a.view(13)!.values.cpu, [...p.intake.unknown]], [true, 2, []]);
  const code = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      return (err as ProbeError).code;
    }
    return 'none';
  };
  assert.equal(
    code(() => parsePeerFrame('nope')),
    'PROBE_ERR_BAD_MESSAGE',
  );
  assert.equal(
    code(() => parsePeerFrame('{"v":2}')),
    'PROBE_ERR_PROTOCOL_VERSION',
  );
  assert.equal(
    code(() => parsePeerFrame('{"v":1,"nodes":[[1,"x",0,{"cores":"many"}]]}')),
    'PROBE_ERR_BAD_MESSAGE',
  );
  assert.equal(
    code(() => p.intake.apply(parsePeerFrame('{"v":1,"values":["99~1,2"]}'))),
    'PROBE_ERR_BAD_MESSAGE',
  );
  assert.equal(
    code(() => p.intake.apply(parsePeerFrame('{"v":1,"nodes":[[5,"tokyo",77,null]]}'))),
    'PROBE_ERR_BAD_MESSAGE',
  );
});

test('a tick for thousands of nodes is cut into frames a follower takes', () => {
  const records = Array.from({ length: 6000 }, (_, i) => nodeRecord(i + 1, `n${i}`));
  const b = new Hub(records, { now: () => 1e12 });
  const names = Array.from({ length: 39 }, (_, i) => `custom.metric_${i}`);
  for (const r of records) {
    b.setOnline(r.id, true);
    b.sample(r.id, 1e12 - r.id, { names, data: names.map((_, i) => Math.random() * 1e6 + i) });
  }
  const frames = new PeerOutlet().frames(b);
  assert.ok(frames.length > 1, `${frames.length} frames`);
  for (const f of frames) assert.ok(Buffer.byteLength(f) < MAX_PEER_FRAME_BYTES);
  assert.equal(
    frames.reduce((n, f) => n + parsePeerFrame(f).values.length, 0),
    6000,
  );
});

test('rows of object-form samples (a new names array each time) declare their names once; over 1024 names, the first 1024 go', () => {
  const p = pair();
  p.b.setOnline(1, true);
  for (let t = 1; t <= 3; t++) {
    p.advance(1000);
    p.b.sample(1, p.now(), valuesRow({ cpu: t, load1: 0.5 }));
    const [frame] = p.tick().map(parsePeerFrame);
    assert.equal(frame!.schemas.length, t === 1 ? 1 : 0, `sample ${t}: names declared once`);
    assert.equal(frame!.nodes.length, t === 1 ? 1 : 0, `sample ${t}: node declared once`);
  }
  assert.deepEqual(p.a.view(11)!.values, { cpu: 3, load1: 0.5 });
  const many = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`custom.m${i}`, i]));
  p.advance(1000);
  p.b.sample(1, p.now(), valuesRow(many));
  p.tick();
  const values = p.a.view(11)!.values;
  assert.equal(Object.keys(values).length, 1024, 'the follower takes the frame; the first 1024 metrics are shown');
  assert.equal(values['custom.m1023'], 1023);
});
