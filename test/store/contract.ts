/**
 * @module What every Store must do, as one suite: `storeContract(name, open)` registers its tests
 * for an implementation (memory, SQLite, and any store after them, such as PostgreSQL). It checks
 * what callers rely on, through the Store interface alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { valuesRow } from '../../src/protocol/row';
import type { Store } from '../../src/store/store';
import { DEFAULT_RETENTION } from '../../src/store/tiers';
import { ProbeError } from '../../src/util/errors';

/** A whole hour, well in the past of NOW, so compaction may pack and roll it up. */
const HOUR = Date.UTC(2026, 10, 20, 10);
const NOW = HOUR + 3 * 3_600_000;
const exists = (e: unknown) => e instanceof ProbeError && e.code === 'PROBE_ERR_EXISTS';

/** Opens a fresh, empty store for one test; the suite closes it. */
export type OpenStore = (t: TestContext) => Store | Promise<Store>;

async function fresh(t: TestContext, open: OpenStore): Promise<Store> {
  const store = await open(t);
  t.after(() => store.close());
  return store;
}

/** Packs everything packable (a store that rolls up on read has nothing to do). */
function compactAll(store: Store, now: number): void {
  while (store.compact(now, 1000) >= 1000);
}

function nodeContract(name: string, open: OpenStore): void {
  test(`${name}: nodes are added, found by key hash, re-keyed, renamed and removed`, async (t) => {
    const store = await fresh(t, open);
    const a = store.addNode({ name: 'tokyo-1', group: 'asia', location: 'JP', keyHash: 'aa' }, NOW);
    const b = store.addNode({ name: 'paris-1', group: 'eu', location: 'FR', keyHash: 'bb', isLocal: true }, NOW);
    assert.deepEqual(
      { ...a, id: 0 },
      {
        id: 0,
        name: 'tokyo-1',
        group: 'asia',
        location: 'JP',
        keyHash: 'aa',
        createdAt: NOW,
        host: null,
        lastSeen: null,
        isLocal: false,
        hidden: null,
        position: 0,
      },
    );
    assert.notEqual(a.id, b.id);
    assert.equal(b.isLocal, true);
    assert.throws(() => store.addNode({ name: 'tokyo-1', group: '', location: '', keyHash: 'cc' }, NOW), exists);
    assert.equal(store.findNodeByKeyHash('aa')?.id, a.id);
    assert.equal(store.findNodeByKeyHash('zz'), null);
    assert.equal(store.setKeyHash('tokyo-1', 'dd'), true);
    assert.equal(store.findNodeByKeyHash('aa'), null);
    assert.equal(store.findNodeByKeyHash('dd')?.name, 'tokyo-1');
    assert.equal(store.setKeyHash('nope', 'ee'), false);
    assert.throws(() => store.updateNode(a.id, { name: 'paris-1', group: '', location: '', hidden: null, position: 0 }), exists);
    assert.equal(store.updateNode(a.id, { name: 'tokyo-2', group: 'jp', location: 'Tokyo', hidden: true, position: 3 }), true);
    assert.equal(store.updateNode(9999, { name: 'x', group: '', location: '', hidden: null, position: 0 }), false);
    store.setHost(a.id, {
      hostname: 'tk2',
      os: 'linux',
      kernel: '6.1',
      arch: 'x64',
      cpuModel: 'test',
      cores: 4,
      bootTime: NOW - 3_600_000,
    });
    const listed = store.listNodes().find((n) => n.id === a.id)!;
    assert.deepEqual(
      [listed.name, listed.group, listed.location, listed.hidden, listed.position, listed.host?.cores],
      ['tokyo-2', 'jp', 'Tokyo', true, 3, 4],
    );
    assert.deepEqual(
      store
        .listNodes()
        .map((n) => n.id)
        .sort(),
      [a.id, b.id].sort(),
    );
    assert.equal(store.removeNode('tokyo-2'), true);
    assert.equal(store.removeNode('tokyo-2'), false);
    assert.deepEqual(
      store.listNodes().map((n) => n.name),
      ['paris-1'],
    );
  });
}

function seriesContract(name: string, open: OpenStore): void {
  test(`${name}: samples are kept once per (node, ts), read by range and metric, latest per node, last seen`, async (t) => {
    const store = await fresh(t, open);
    const a = store.addNode({ name: 'a', group: '', location: '', keyHash: '01' }, NOW);
    const b = store.addNode({ name: 'b', group: '', location: '', keyHash: '02' }, NOW);
    store.writeSamples([
      { nodeId: a.id, seq: 1, ts: HOUR, row: valuesRow({ cpu: 1, load1: 0.5 }), newNames: ['cpu', 'load1'] },
      { nodeId: a.id, seq: 2, ts: HOUR + 1000, row: valuesRow({ cpu: 2, load1: 0.6 }) },
      { nodeId: b.id, seq: 1, ts: HOUR, row: valuesRow({ cpu: 9 }), newNames: ['cpu'] },
    ]);
    store.writeSamples([{ nodeId: a.id, seq: 3, ts: HOUR + 1000, row: valuesRow({ cpu: 99, load1: 9 }) }]);
    for (const packed of [false, true]) {
      if (packed) compactAll(store, NOW);
      const what = packed ? 'after compaction' : 'before compaction';
      assert.deepEqual(
        store.samples(a.id, HOUR, HOUR + 60_000).map((s) => [s.seq, s.ts, s.values]),
        [
          [1, HOUR, { cpu: 1, load1: 0.5 }],
          [2, HOUR + 1000, { cpu: 2, load1: 0.6 }],
        ],
        `the first copy of a ts wins, ${what}`,
      );
      assert.deepEqual(
        store.samples(a.id, HOUR + 1000, HOUR + 2000, ['load1']).map((s) => s.values),
        [{ load1: 0.6 }],
        `[from, to) and the metrics asked for, ${what}`,
      );
      assert.deepEqual(
        store
          .latestSamples()
          .map((s) => [s.nodeId, s.ts])
          .sort(),
        [
          [a.id, HOUR + 1000],
          [b.id, HOUR],
        ].sort(),
        what,
      );
      assert.equal(store.listNodes().find((n) => n.id === a.id)!.lastSeen, HOUR + 1000, what);
    }
    assert.deepEqual(store.metricNames(a.id).sort(), ['cpu', 'load1']);
    assert.deepEqual(store.metricNames(b.id), ['cpu']);
    assert.equal(typeof store.stats().fileBytes, 'number');
  });

  test(`${name}: closed hours roll up into 1m, 15m and 1h buckets with avg, min, max and count`, async (t) => {
    const store = await fresh(t, open);
    const a = store.addNode({ name: 'a', group: '', location: '', keyHash: '01' }, NOW);
    store.writeSamples(
      [0, 10, 20, 70].map((s, i) => ({
        nodeId: a.id,
        seq: i + 1,
        ts: HOUR + s * 1000,
        row: valuesRow({ cpu: [10, 20, 30, 50][i]! }),
        newNames: i ? [] : ['cpu'],
      })),
    );
    compactAll(store, NOW);
    assert.deepEqual(
      store.buckets(a.id, '1m', HOUR, HOUR + 3_600_000).map((b) => [b.ts, b.stats.cpu]),
      [
        [HOUR, { avg: 20, min: 10, max: 30, n: 3 }],
        [HOUR + 60_000, { avg: 50, min: 50, max: 50, n: 1 }],
      ],
    );
    assert.deepEqual(
      store.buckets(a.id, '1h', HOUR, HOUR + 3_600_000, ['cpu']).map((b) => [b.ts, b.stats.cpu]),
      [[HOUR, { avg: 27.5, min: 10, max: 50, n: 4 }]],
    );
    assert.deepEqual(store.buckets(a.id, '15m', HOUR + 3_600_000, NOW), [], 'nothing in an hour without samples');
  });

  test(`${name}: retention deletes raw history older than it keeps; traffic counters are kept per existing node`, async (t) => {
    const store = await fresh(t, open);
    const a = store.addNode({ name: 'a', group: '', location: '', keyHash: '01' }, NOW);
    store.writeSamples([{ nodeId: a.id, seq: 1, ts: HOUR, row: valuesRow({ cpu: 1 }), newNames: ['cpu'] }]);
    compactAll(store, NOW);
    const later = HOUR + DEFAULT_RETENTION.raw + 3_600_000;
    assert.ok(store.applyRetention(later, DEFAULT_RETENTION, 1000) >= 1);
    assert.deepEqual(store.samples(a.id, 0, later), []);
    store.putTrafficStates([
      { nodeId: a.id, state: '{"rx":1}' },
      { nodeId: 9999, state: '{"rx":2}' },
    ]);
    assert.deepEqual(store.trafficStates(), [{ nodeId: a.id, state: '{"rx":1}' }]);
  });
}

function alertContract(name: string, open: OpenStore): void {
  test(`${name}: alert states are kept and deleted; events newest first, limited, pruned`, async (t) => {
    const store = await fresh(t, open);
    const a = store.addNode({ name: 'a', group: '', location: '', keyHash: '01' }, NOW);
    store.putAlertState('hot', a.id, '{"status":"firing"}');
    store.putAlertState('hot', a.id, '{"status":"pending"}');
    store.putAlertState('cold', a.id, '{"status":"firing"}');
    store.putAlertState('cold', a.id, null);
    assert.deepEqual(store.alertStates(), [{ rule: 'hot', nodeId: a.id, state: '{"status":"pending"}' }]);
    const event = { rule: 'hot', nodeId: a.id, severity: 'warning', value: 91, text: 'hot', silenced: false } as const;
    store.addAlertEvent({ ...event, ts: NOW - 2000, state: 'firing' });
    store.addAlertEvent({ ...event, ts: NOW - 1000, state: 'resolved', value: null, silenced: true });
    store.addAlertEvent({ ...event, ts: NOW, state: 'firing' });
    assert.deepEqual(store.alertEvents(2), [
      { ...event, ts: NOW, state: 'firing' },
      { ...event, ts: NOW - 1000, state: 'resolved', value: null, silenced: true },
    ]);
    assert.equal(store.pruneAlertEvents(NOW - 1000), 1);
    assert.equal(store.alertEvents(10).length, 2);
    // A cluster's mirror: the shared list replaces this one, and events recorded here after it go on top.
    store.replaceAlertEvents([
      { ...event, ts: NOW - 500, state: 'firing', text: 'from another server' },
      { ...event, ts: NOW - 400, state: 'resolved', value: null, silenced: true, text: 'silenced there' },
    ]);
    store.addAlertEvent({ ...event, ts: NOW + 1, state: 'resolved', value: null });
    assert.deepEqual(
      store.alertEvents(10).map((e) => `${e.text} ${e.state} ${e.value} ${e.silenced}`),
      ['hot resolved null false', 'silenced there resolved null true', 'from another server firing 91 false'],
    );
    store.replaceAlertEvents([]);
    assert.deepEqual(store.alertEvents(10), []);
  });

  test(`${name}: removing a node removes its history, metric names, alert states and events, traffic counters`, async (t) => {
    const store = await fresh(t, open);
    const a = store.addNode({ name: 'a', group: '', location: '', keyHash: '01' }, NOW);
    const b = store.addNode({ name: 'b', group: '', location: '', keyHash: '02' }, NOW);
    for (const node of [a, b]) {
      store.writeSamples([{ nodeId: node.id, seq: 1, ts: HOUR, row: valuesRow({ cpu: 1 }), newNames: ['cpu'] }]);
      store.putAlertState('hot', node.id, '{}');
      store.addAlertEvent({
        ts: NOW,
        rule: 'hot',
        nodeId: node.id,
        state: 'firing',
        severity: 'warning',
        value: 1,
        text: '',
        silenced: false,
      });
      store.putTrafficStates([{ nodeId: node.id, state: '{}' }]);
    }
    assert.equal(store.removeNode('a'), true);
    assert.deepEqual(store.samples(a.id, 0, NOW), []);
    assert.deepEqual(store.metricNames(a.id), []);
    assert.deepEqual(
      [store.alertStates(), store.alertEvents(10), store.trafficStates()].map((list) => list.map((x) => x.nodeId)),
      [[b.id], [b.id], [b.id]],
    );
    assert.equal(store.samples(b.id, 0, NOW).length, 1, 'the other node keeps its own');
  });
}

function settingsContract(name: string, open: OpenStore): void {
  test(`${name}: settings by key; sessions kept until deleted, expired or all pruned; the database is sound`, async (t) => {
    const store = await fresh(t, open);
    assert.equal(store.getSetting('page'), null);
    store.putSetting('page', '{"mode":"public"}');
    store.putSetting('page', '{"mode":"private"}');
    assert.equal(store.getSetting('page'), '{"mode":"private"}');
    store.putSetting('page', null);
    assert.equal(store.getSetting('page'), null);
    const session = (tokenHash: string, expiresAt: number) => ({ tokenHash, csrf: `csrf-${tokenHash}`, createdAt: NOW, expiresAt });
    store.putSession(session('s1', NOW + 1000));
    store.putSession(session('s2', NOW + 5000));
    store.putSession(session('s3', NOW + 5000));
    assert.deepEqual(store.getSession('s1'), session('s1', NOW + 1000));
    store.deleteSession('s3');
    assert.equal(store.getSession('s3'), null);
    store.pruneSessions(NOW + 1000);
    assert.deepEqual([store.getSession('s1'), store.getSession('s2')?.tokenHash], [null, 's2'], 'a session is expired at its expiry time');
    store.pruneSessions(NOW, true);
    assert.equal(store.getSession('s2'), null, 'a new password signs everyone out');
    assert.deepEqual(store.integrityCheck(), []);
    assert.equal(typeof store.externalChangeMarker(), 'number');
  });

  test(`${name}: the audit log keeps the newest entries, newest first`, async (t) => {
    const store = await fresh(t, open);
    for (let i = 1; i <= 5; i++) store.addAudit({ ts: NOW + i, address: '127.0.0.1', action: `change ${i}` }, 3);
    assert.deepEqual(
      store.auditLog(10).map((e) => e.action),
      ['change 5', 'change 4', 'change 3'],
    );
    assert.deepEqual(store.auditLog(1), [{ ts: NOW + 5, address: '127.0.0.1', action: 'change 5' }]);
    // A cluster's mirror: the shared log replaces this one, and entries made here after it go on top.
    store.replaceAudit([
      { ts: NOW + 1, address: '10.0.0.1', action: 'on another server' },
      { ts: NOW + 2, address: '10.0.0.2', action: 'here' },
    ]);
    store.addAudit({ ts: NOW + 3, address: '10.0.0.3', action: 'next' }, 3);
    assert.deepEqual(
      store.auditLog(10).map((e) => `${e.action} ${e.address}`),
      ['next 10.0.0.3', 'here 10.0.0.2', 'on another server 10.0.0.1'],
    );
    store.replaceAudit([]);
    assert.deepEqual(store.auditLog(10), []);
  });
}

function checkContract(name: string, open: OpenStore): void {
  test(`${name}: checks get stable ids by name and own a series of their own, rolled up and expired like a node's`, async (t) => {
    const store = await fresh(t, open);
    const node = store.addNode({ name: 'a', group: '', location: '', keyHash: '01' }, NOW);
    const [web, db] = store.ensureChecks(['web', 'db'], NOW);
    assert.deepEqual([web!.name, db!.name, web!.createdAt], ['web', 'db', NOW]);
    assert.notEqual(web!.id, db!.id);
    assert.ok(web!.seriesId !== node.id && db!.seriesId !== node.id && web!.seriesId !== db!.seriesId);
    assert.deepEqual(store.ensureChecks(['db', 'new'], NOW + 1).slice(0, 1), [db], 'a known name keeps its record');
    assert.deepEqual(
      store.listChecks().map((c) => c.name),
      ['web', 'db', 'new'],
      'checks not named stay',
    );
    store.writeSamples([
      ...[0, 30, 60].map((s, i) => ({
        nodeId: web!.seriesId,
        seq: i + 1,
        ts: HOUR + s * 1000,
        row: valuesRow({ up: i === 1 ? 0 : 1, latency_ms: 10 * (i + 1) }),
        newNames: i ? [] : ['up', 'latency_ms'],
      })),
      { nodeId: node.id, seq: 1, ts: HOUR, row: valuesRow({ cpu: 5 }), newNames: ['cpu'] },
    ]);
    compactAll(store, NOW);
    assert.deepEqual(
      store.samples(web!.seriesId, HOUR, HOUR + 3_600_000, ['up']).map((s) => s.values.up),
      [1, 0, 1],
    );
    assert.deepEqual(store.samples(db!.seriesId, HOUR, NOW), [], 'each check its own series');
    assert.deepEqual(
      store.samples(node.id, HOUR, NOW).map((s) => s.values),
      [{ cpu: 5 }],
      "the node's series is its own",
    );
    assert.deepEqual(store.metricNames(web!.seriesId).sort(), ['latency_ms', 'up']);
    const [hour] = store.buckets(web!.seriesId, '1h', HOUR, HOUR + 3_600_000, ['up']);
    assert.deepEqual([hour!.stats.up!.n, Math.round(hour!.stats.up!.avg * 3)], [3, 2], 'the hourly average of up is the uptime');
    assert.deepEqual(
      store.latestSamples().map((s) => s.nodeId),
      [node.id],
      "latest samples are the nodes' only",
    );
    const later = HOUR + DEFAULT_RETENTION['1h'] + 8 * 86_400_000;
    while (store.applyRetention(later, DEFAULT_RETENTION, 1000) >= 1000);
    assert.deepEqual(store.buckets(web!.seriesId, '1h', 0, later), []);
  });
}

/** Registers the whole suite for one implementation. */
export function storeContract(name: string, open: OpenStore): void {
  nodeContract(name, open);
  seriesContract(name, open);
  alertContract(name, open);
  settingsContract(name, open);
  checkContract(name, open);
}
