import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { AlertEngine } from '../../src/alerts/engine';
import type { NodeFacts } from '../../src/alerts/engine';
import { isSilenced, parseRules, parseSilences } from '../../src/alerts/rules';
import { parseChannels } from '../../src/notify/channels';
import { loadConfig } from '../../src/config/load';
import { RecordingNotifier } from './recording-notifier';
import { runServer } from '../../src/server/run-server';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { createMemoryStore } from '../../src/store/memory-store';
import { addNode } from '../../src/server/fleet/nodes';
import { tempDir, waitFor } from '../helpers';
import { startReceiver } from '../notify/receiver';
import { TestAgent, helloMessage } from '../server/test-server';
import { valuesRow } from '../../src/protocol/row';
import { ManualClock } from '../manual-clock';

const channels = parseChannels({ hook: { type: 'webhook', url: 'http://127.0.0.1:9/unused' } });
const rules = parseRules(
  {
    rules: [
      { name: 'cpu-high', metric: 'cpu', op: '>', threshold: 90, for: '2s', notify: ['hook'] },
      { name: 'down', kind: 'offline', for: '10s', notify: ['hook'] },
      { name: 'asia-only', metric: 'cpu', op: '>', threshold: 0, scope: { groups: ['asia'] }, notify: ['hook'] },
    ],
  },
  channels,
);

test('engine: fires once, survives a restart without sending again, resolves after it; scope; offline', async () => {
  const store = createMemoryStore();
  const node: NodeFacts = { name: 'web-1', group: 'eu', online: true, lastSeen: 0 };
  const clock = new ManualClock(1_000_000);
  const make = (notifier: RecordingNotifier) =>
    new AlertEngine({
      rules,
      store,
      notifier,
      node: () => node,
      nodeIds: () => [1],
      link: (id) => `http://probe/#/node/${id}`,
      clock,
      offlineGraceMs: 30_000,
    });
  const first = new RecordingNotifier();
  let engine = make(first);
  for (let i = 0; i < 4; i++, await clock.advance(1000)) engine.onSample(1, valuesRow({ cpu: 95 }));
  assert.deepEqual(
    first.sent.map((m) => `${m.rule} ${m.state}`),
    ['cpu-high firing'],
    'asia-only does not apply to group eu',
  );
  assert.equal(first.sent[0]!.link, 'http://probe/#/node/1');
  assert.match(first.sent[0]!.text, /^\[warning\] cpu-high on web-1: cpu 95 > 90 since /);

  const second = new RecordingNotifier();
  engine = make(second); // a restart: state comes back from the store
  engine.onSample(1, valuesRow({ cpu: 96 }));
  assert.equal(second.sent.length, 0, 'not sent again after a restart');
  for (let i = 0; i < 3; i++, await clock.advance(1000)) engine.onSample(1, valuesRow({ cpu: 10 }));
  assert.deepEqual(
    second.sent.map((m) => `${m.rule} ${m.state}`),
    ['cpu-high resolved'],
  );

  node.online = false;
  node.lastSeen = clock.now();
  engine.start(5000);
  await clock.advance(20_000);
  assert.deepEqual(
    second.sent.map((m) => `${m.rule} ${m.state}`).slice(1),
    ['down firing'],
    "it reported after the restart, so no grace: offline for 20 s, `for` 10 s, judged on the engine's timer",
  );
});

test('engine: the grace after start is for nodes not back yet; one that reported since start and died is judged at once', async () => {
  const notifier = new RecordingNotifier();
  const nodes = new Map<number, NodeFacts>([
    [1, { name: 'back-then-died', group: '', online: true, lastSeen: null }],
    [2, { name: 'not-back-yet', group: '', online: false, lastSeen: 0 }],
  ]);
  const clock = new ManualClock(1_000_000);
  const engine = new AlertEngine({
    rules,
    store: createMemoryStore(),
    notifier,
    node: (id) => nodes.get(id),
    nodeIds: () => [1, 2],
    link: () => '',
    clock,
    offlineGraceMs: 60_000,
  });
  await clock.advance(5000);
  engine.onSample(1, valuesRow({ cpu: 10 }));
  nodes.get(1)!.lastSeen = clock.now();
  await clock.advance(20_000);
  nodes.get(1)!.online = false; // its agent went silent 20 s after the restart
  engine.tick();
  await clock.advance(11_000);
  engine.tick();
  assert.deepEqual(
    notifier.sent.map((m) => `${m.rule} ${m.state} ${m.node}`),
    ['down firing back-then-died'],
    '36 s after start: the node that came back and died fires; the other waits',
  );
  await clock.advance(30_000);
  engine.tick();
  await clock.advance(11_000);
  engine.tick();
  assert.deepEqual(
    notifier.sent.map((m) => `${m.rule} ${m.state} ${m.node}`).slice(1),
    ['down firing not-back-yet'],
    'after the grace the node that never came back fires too',
  );
});

test('end to end: a real server with rules from its config file sends exactly one firing and one resolved to a webhook', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir(t);
  const file = path.join(dir, 'probe.json');
  // `for` is 0 here: the real server, config file and webhook are the point; waiting on `for` is tested on a manual clock above.
  writeFileSync(
    file,
    JSON.stringify({
      server: { listen: '127.0.0.1:0', data: path.join(dir, 'data') },
      notifications: { hook: { type: 'webhook', url: receiver.url } },
      alerts: {
        rules: [
          { name: 'cpu-high', metric: 'cpu', op: '>', threshold: 50, recover: 30, for: '0s', severity: 'critical', notify: ['hook'] },
        ],
      },
    }),
  );
  const store = openSqliteStore(path.join(dir, 'data'));
  const { key } = addNode(store, 'alerted', 'eu', '', Date.now());
  store.close();
  const server = await runServer(loadConfig({ file, flags: { 'log.level': 'error' } }), { ackIntervalMs: 0 });
  t.after(() => server.close());
  const agent = new TestAgent(`ws://127.0.0.1:${server.port}`, key);
  t.after(() => agent.close());
  await agent.opened;
  agent.send(helloMessage());
  const start = Date.now() - 10_000;
  // 40 lies between recover and threshold: still firing.
  [80, 80, 40, 10, 10].forEach((cpu, i) => agent.sample(i + 1, [cpu, 1, 2, 0.1], start + i * 1000));
  await waitFor('resolved message', () => receiver.requests.some((r) => r.body.state === 'resolved'), 5000);
  // Rules run on each sample as it arrives, before its ack: once the last is acked, a duplicate would have been sent.
  await waitFor('the last ack', () => agent.of('ack').some((a) => a.seq >= 5), 5000);
  assert.deepEqual(
    receiver.requests.map((r) => `${r.body.rule} ${r.body.state} ${r.body.node}`),
    ['cpu-high firing alerted', 'cpu-high resolved alerted'],
  );
  const firing = receiver.requests[0]!.body;
  assert.equal(firing.severity, 'critical');
  assert.equal(firing.value, 80);
  assert.match(firing.link, new RegExp(`^http://localhost:${server.port}/#/node/\\d+$`));
  assert.ok(firing.since <= Date.now() && firing.since > Date.now() - 60_000);
});

test("engine: an expression rule over several metrics and the node's cores", async () => {
  const exprRules = parseRules(
    { rules: [{ name: 'overloaded', expr: 'cpu > 90 && load1 > cores * 2', recover: 'load1 < cores', notify: ['hook'] }] },
    channels,
  );
  const notifier = new RecordingNotifier();
  const node: NodeFacts = { name: 'db-1', group: '', online: true, lastSeen: 0, cores: 4 };
  const clock = new ManualClock(0);
  const engine = new AlertEngine({
    rules: exprRules,
    store: createMemoryStore(),
    notifier,
    node: () => node,
    nodeIds: () => [1],
    link: () => '',
    clock,
  });
  engine.onSample(1, valuesRow({ cpu: 95, load1: 6 }));
  assert.equal(notifier.sent.length, 0, 'load 6 is not above 4 cores * 2');
  engine.onSample(1, valuesRow({ cpu: 95 }));
  assert.equal(notifier.sent.length, 0, 'a sample without load1 is not judged');
  engine.onSample(1, valuesRow({ cpu: 95, load1: 9 }));
  assert.deepEqual(
    notifier.sent.map((m) => `${m.state} ${m.text.split(': ')[1]}`),
    ['firing cpu > 90 && load1 > cores * 2 since 1970-01-01 00:00:00 UTC'],
  );
  await clock.advance(1000);
  engine.onSample(1, valuesRow({ cpu: 50, load1: 5 }));
  assert.equal(notifier.sent.length, 1, 'between the recover condition and the alert condition it stays firing');
  engine.onSample(1, valuesRow({ cpu: 50, load1: 3 }));
  assert.deepEqual(
    notifier.sent.map((m) => m.state),
    ['firing', 'resolved'],
  );
});

test('engine: traffic quota and billing expiry rules fire once on the timer and resolve when it no longer holds', async () => {
  const timed = parseRules(
    {
      rules: [
        { name: 'quota', kind: 'traffic', percent: 80, notify: ['hook'] },
        { name: 'fixed-quota', kind: 'traffic', quota: '1000B', percent: 50, scope: { nodes: ['other'] }, notify: ['hook'] },
        { name: 'renew', kind: 'expiry', days: 7, severity: 'critical', notify: ['hook'] },
      ],
    },
    channels,
  );
  const clock = new ManualClock(new Date(2026, 10, 20, 12).getTime());
  const node: NodeFacts = {
    name: 'vps',
    group: '',
    online: true,
    lastSeen: clock.now(),
    monthRxBytes: 500,
    monthTxBytes: 200,
    notes: { trafficLimitBytes: 1000, expires: '2026-12-31' },
  };
  const notifier = new RecordingNotifier();
  const engine = new AlertEngine({
    rules: timed,
    store: createMemoryStore(),
    notifier,
    node: () => node,
    nodeIds: () => [1],
    link: () => '',
    clock,
    offlineGraceMs: 0,
  });
  engine.tick();
  assert.equal(notifier.sent.length, 0, '70 % of the quota, 41 days left: nothing');
  node.monthTxBytes = 350;
  engine.tick();
  engine.tick();
  assert.deepEqual(
    notifier.sent.map((m) => `${m.rule} ${m.state}`),
    ['quota firing'],
    'once, not on every tick',
  );
  assert.match(notifier.sent[0]!.text, /traffic this period \(sum\) at 85% of its quota \(alert at 80%\)/);
  node.monthRxBytes = 0;
  node.monthTxBytes = 10; // a new billing period began
  engine.tick();
  assert.deepEqual(
    notifier.sent.map((m) => `${m.rule} ${m.state}`),
    ['quota firing', 'quota resolved'],
  );

  clock.set(new Date(2026, 11, 26, 9).getTime());
  engine.tick();
  assert.equal(notifier.sent.at(-1)!.rule, 'renew');
  assert.match(notifier.sent.at(-1)!.text, /^\[critical\] renew on vps: expires in 5 days/);
  node.notes = { trafficLimitBytes: 1000, expires: '2027-12-31' };
  engine.tick();
  assert.match(notifier.sent.at(-1)!.text, /^\[resolved\] renew on vps: renewed/);
  node.notes = null;
  engine.tick();
  assert.equal(notifier.sent.length, 4, 'a node without a quota or expiry date is not checked');

  assert.throws(
    () => parseRules({ rules: [{ name: 'x', kind: 'traffic', quota: 'lots', notify: [] }] }, channels),
    /quota" must be a size/,
  );
  assert.throws(
    () => parseRules({ rules: [{ name: 'x', kind: 'expiry', days: -1, notify: [] }] }, channels),
    /days" must be a whole number/,
  );
});

test('traffic steps fire one by one, by direction; load per core is a built-in kind', () => {
  const stepped = parseRules(
    {
      rules: [
        { name: 'quota', kind: 'traffic', percent: [80, 90, 100], direction: 'out', notify: ['hook'] },
        { name: 'busy', kind: 'load', metric: 'load1', threshold: 2, notify: ['hook'] },
      ],
    },
    channels,
  );
  assert.deepEqual(
    stepped.map((r) => r.name),
    ['quota@80', 'quota@90', 'quota@100', 'busy'],
  );
  const node: NodeFacts = {
    name: 'vps',
    group: '',
    online: true,
    lastSeen: 0,
    cores: 2,
    monthRxBytes: 5000,
    monthTxBytes: 850,
    notes: { trafficLimitBytes: 1000 },
  };
  const notifier = new RecordingNotifier();
  const engine = new AlertEngine({
    rules: stepped,
    store: createMemoryStore(),
    notifier,
    node: () => node,
    nodeIds: () => [1],
    link: () => '',
    clock: new ManualClock(0),
    offlineGraceMs: 0,
  });
  engine.tick();
  assert.deepEqual(
    notifier.sent.map((m) => m.rule),
    ['quota@80'],
    'only sent bytes count; 85 % passes the first step',
  );
  node.monthTxBytes = 1000;
  engine.tick();
  assert.deepEqual(
    notifier.sent.map((m) => m.rule),
    ['quota@80', 'quota@90', 'quota@100'],
  );
  engine.onSample(1, valuesRow({ load1: 3.9 }));
  assert.equal(notifier.sent.length, 3, 'load 3.9 on 2 cores is 1.95 per core');
  engine.onSample(1, valuesRow({ load1: 4.2 }));
  assert.equal(notifier.sent.at(-1)!.rule, 'busy');
  assert.throws(() => parseRules({ rules: [{ name: 'x', kind: 'traffic', direction: 'up', notify: [] }] }, channels), /direction" must be/);
  assert.throws(
    () => parseRules({ rules: [{ name: 'x', kind: 'load', threshold: 0, notify: [] }] }, channels),
    /threshold" must be the load per core/,
  );
});

test('events are recorded (not repeats), silences mute notifications but not the record, firing() lists what fires', async () => {
  const rulesWithRepeat = parseRules(
    {
      rules: [
        { name: 'hot', metric: 'cpu', op: '>', threshold: 50, repeat: '1s', notify: ['hook'] },
        { name: 'cold', metric: 'cpu', op: '<', threshold: 5, notify: ['hook'] },
      ],
    },
    channels,
  );
  const silences = parseSilences({ silences: [{ rule: 'cold', node: 'db-1', until: '2026-12-01T00:00:00Z', reason: 'maintenance' }] });
  const store = createMemoryStore();
  const notifier = new RecordingNotifier();
  const clock = new ManualClock(Date.parse('2026-11-25T00:00:00Z'));
  const nodes: Record<number, NodeFacts> = {
    1: { name: 'web-1', group: '', online: true, lastSeen: 0 },
    2: { name: 'db-1', group: '', online: true, lastSeen: 0 },
  };
  const engine = new AlertEngine({
    rules: rulesWithRepeat,
    store,
    notifier,
    node: (id) => nodes[id],
    nodeIds: () => [1, 2],
    link: () => '',
    clock,
    silences: () => silences,
  });
  engine.onSample(1, valuesRow({ cpu: 90 }));
  await clock.advance(2000);
  engine.onSample(1, valuesRow({ cpu: 91 })); // a repeat notification, not a new event
  engine.onSample(2, valuesRow({ cpu: 1 })); // silenced
  assert.deepEqual(
    notifier.sent.map((m) => `${m.rule} ${m.node} ${m.state}`),
    ['hot web-1 firing', 'hot web-1 firing'],
  );
  assert.deepEqual(
    engine.firing().map((a) => `${a.rule} ${a.nodeId} ${a.silenced}`),
    ['hot 1 false', 'cold 2 true'],
  );
  await clock.advance(1000);
  engine.onSample(1, valuesRow({ cpu: 10 }));
  const events = store.alertEvents(10);
  assert.deepEqual(
    events.map((e) => `${e.rule} ${e.nodeId} ${e.state} ${e.silenced}`),
    ['hot 1 resolved false', 'cold 2 firing true', 'hot 1 firing false'],
  );
  assert.equal(isSilenced(silences, 'cold', 'db-1', Date.parse('2026-12-01T00:00:01Z')), false, 'a silence ends at its time');
  assert.equal(
    isSilenced(parseSilences({ silences: [{ rule: 'quota', until: '2030-01-01T00:00:00Z' }] }), 'quota@80', 'x', clock.now()),
    true,
    'a stepped rule matches its base name',
  );

  await clock.advance(91 * 86_400_000);
  engine.tick();
  assert.deepEqual(store.alertEvents(10), [], 'events older than 90 days are pruned');
  assert.throws(() => parseSilences({ silences: [{ until: '2026-12-01T00:00:00Z' }] }), /needs "rule", "node" or both/);
  assert.throws(() => parseSilences({ silences: [{ rule: 'x', until: 'tomorrow' }] }), /until" must be a date and time/);
});

test("a message names the rule's metric and value, custom metrics too; `for` counts on the clock, not in samples", async () => {
  const custom = parseRules(
    {
      rules: [
        { name: 'queue-high', metric: 'custom.queue_depth', op: '>', threshold: 10, for: '2s', severity: 'critical', notify: ['hook'] },
      ],
    },
    channels,
  );
  const notifier = new RecordingNotifier();
  const clock = new ManualClock(Date.parse('2026-11-25T00:00:00Z'));
  const node: NodeFacts = { name: 'worker-1', group: '', online: true, lastSeen: 0 };
  const engine = new AlertEngine({
    rules: custom,
    store: createMemoryStore(),
    notifier,
    node: () => node,
    nodeIds: () => [1],
    link: (id) => `http://probe/#/node/${id}`,
    clock,
  });
  for (let i = 0; i < 5; i++) engine.onSample(1, valuesRow({ 'custom.queue_depth': 50 }));
  assert.equal(notifier.sent.length, 0, 'five samples in the same instant do not make 2 s');
  await clock.advance(2000);
  engine.onSample(1, valuesRow({ 'custom.queue_depth': 50 }));
  const [firing] = notifier.sent;
  assert.deepEqual(
    [firing!.metric, firing!.value, firing!.severity, firing!.link],
    ['custom.queue_depth', 50, 'critical', 'http://probe/#/node/1'],
  );
  assert.equal(firing!.text, '[critical] queue-high on worker-1: custom.queue_depth 50 > 10 since 2026-11-25 00:00:00 UTC');
  engine.onSample(1, valuesRow({ 'custom.queue_depth': 2 }));
  await clock.advance(2000);
  engine.onSample(1, valuesRow({ 'custom.queue_depth': 2 }));
  assert.deepEqual(
    notifier.sent.map((m) => m.text),
    [firing!.text, '[resolved] queue-high on worker-1: custom.queue_depth 2 (since 2026-11-25 00:00:00 UTC)'],
  );
  assert.deepEqual(engine.firing(), []);
});
