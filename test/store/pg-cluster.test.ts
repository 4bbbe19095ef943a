/**
 * Two servers' mirrors on one real PostgreSQL: what the admin edits of a node, shared settings and
 * sessions reach the other mirror (per-server settings do not); one of two servers claims an alert
 * event; presence rows tell a server which nodes another one has; a single server's nodes move into
 * an empty registry with their ids, it restarts into the registry as a member after changes, and
 * a second server with nodes of its own is refused untouched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { AdminAuth, SESSION_COOKIE } from '../../src/server/admin/auth';
import { PgCluster } from '../../src/store/pg-cluster';
import { PgRegistry } from '../../src/store/pg-registry';
import { PgShared, clusterStore } from '../../src/store/pg-shared';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { tempDir, waitFor } from '../helpers';
import { startPostgres } from '../postgres';

/** A server's side: its SQLite mirror, registry (listening) and shared settings, as run-server wires them. */
async function member(t: TestContext, url: string, prepare?: (local: ReturnType<typeof openSqliteStore>) => void) {
  const local = openSqliteStore(tempDir(t));
  t.after(() => local.close());
  prepare?.(local);
  const registry = await PgRegistry.open(url, local);
  t.after(() => registry.close());
  const shared = await PgShared.open(registry, local);
  // Errors while the test runs fail it at its end (PostgreSQL stopping at teardown is not one).
  const errors: Error[] = [];
  const nodeChanges = { count: 0 };
  await registry.listen(
    (change) => {
      if (change.topic === 'nodes') nodeChanges.count++;
      void shared.changed(change);
    },
    (err) => errors.push(err),
  );
  return { local, registry, errors, nodeChanges, store: clusterStore(local, shared, registry) };
}

test("one audit log: A's and B's entries on both, in time order; a joining server hands its own over; one written while PostgreSQL was lost is kept", async (t) => {
  const pg = await startPostgres(tempDir(t, 'probe-pg-'));
  t.after(() => pg.proc.stop('SIGINT'));
  const entry = (ts: number, action: string) => ({ ts, address: '192.0.2.1', action });
  // A had a log of its own before it joined (a single server becoming the cluster's first).
  const a = await member(t, pg.url, (local) => local.addAudit(entry(1, 'before the cluster'), 1000));
  const b = await member(t, pg.url);
  const log = (m: typeof a) => m.local.auditLog(10).map((e) => e.action);
  assert.deepEqual(log(b), ['before the cluster'], "B starts with the shared log, A's entry in it");
  a.store.addAudit(entry(2, 'on A'), 1000);
  await waitFor('B to get it', () => log(b)[0] === 'on A');
  b.store.addAudit(entry(3, 'on B'), 1000);
  await waitFor('A to get it', () => log(a)[0] === 'on B');
  assert.deepEqual(log(a), ['on B', 'on A', 'before the cluster']);
  assert.deepEqual(log(b), log(a));
  // An entry that never reached PostgreSQL (B's local log alone, as while it was lost) outlives the next reload.
  b.local.addAudit(entry(4, 'while lost'), 1000);
  a.store.addAudit(entry(5, 'on A again'), 1000);
  await waitFor('B to get it', () => log(b)[0] === 'on A again');
  assert.deepEqual(log(b), ['on A again', 'while lost', 'on B', 'on A', 'before the cluster']);
  assert.deepEqual(log(a), ['on A again', 'on B', 'on A', 'before the cluster']);
  for (const m of [a, b]) assert.deepEqual(m.errors, []);
});

test("one list of alert events: A's reach B once each, a storm in few statements; B keeps its own made while lost; a node removed takes its events", async (t) => {
  const pg = await startPostgres(tempDir(t, 'probe-pg-'));
  t.after(() => pg.proc.stop('SIGINT'));
  const event = (ts: number, rule: string, nodeId: number) =>
    ({ ts, rule, nodeId, state: 'firing', severity: 'warning', value: 1, text: rule, silenced: false }) as const;
  // A had an event of its own before it joined (a single server becoming the cluster's first).
  let n1 = 0;
  const a = await member(t, pg.url, (local) => {
    n1 = local.addNode({ name: 'n1', group: '', location: '', keyHash: 'h1' }, 1).id;
    local.addAlertEvent(event(1, 'before the cluster', n1));
  });
  const b = await member(t, pg.url);
  const list = (m: typeof a) => m.local.alertEvents(1000).map((e) => e.text);
  assert.deepEqual(list(b), ['before the cluster'], "B starts with the shared list, A's event in it");
  // An outage of many nodes: 300 events on A at once are a few statements, and each reaches B once.
  let inserts = 0;
  const query = a.registry.query.bind(a.registry);
  a.registry.query = (text: string, values?: unknown[]) => {
    if (text.startsWith('INSERT INTO probe_alert_events')) inserts++;
    return query(text, values);
  };
  for (let i = 0; i < 300; i++) a.store.addAlertEvent(event(100 + i, `storm ${i}`, 1000 + i));
  await a.store.flush();
  assert.ok(inserts >= 1 && inserts <= 3, `${inserts} statements for 300 events`);
  await waitFor('B to get them', () => list(b).length === 301);
  assert.deepEqual(list(b), list(a));
  assert.equal(new Set(list(b)).size, 301, 'each once');
  // An event that never reached PostgreSQL (B's own list alone, as while it was lost) outlives the next reload.
  b.local.addAlertEvent(event(500, 'while lost', n1));
  a.store.addAlertEvent(event(600, 'on A again', 1000));
  await waitFor('B to get it', () => list(b)[0] === 'on A again');
  assert.deepEqual(list(b).slice(0, 2), ['on A again', 'while lost']);
  // A node removed takes its events along, from PostgreSQL too: the next reload does not bring them back.
  assert.equal(await a.registry.removeNode('n1'), true);
  await waitFor('n1 gone on B', () => !b.local.listNodes().some((n) => n.name === 'n1'));
  a.store.addAlertEvent(event(700, 'after the removal', 1000));
  await waitFor('B to get it', () => list(b)[0] === 'after the removal');
  for (const m of [a, b]) assert.ok(!m.local.alertEvents(1000).some((e) => e.nodeId === n1), 'no event of n1 left');
  for (const m of [a, b]) assert.deepEqual(m.errors, []);
});

test('a node edited, shared settings and sessions on A reach B; per-server settings stay on A', async (t) => {
  const pg = await startPostgres(tempDir(t, 'probe-pg-'));
  t.after(() => pg.proc.stop('SIGINT'));
  const a = await member(t, pg.url);
  const b = await member(t, pg.url);
  const node = await a.registry.addNode({ name: 'web-1', group: 'web', location: 'FR', keyHash: 'h1' }, 1000);
  await a.registry.updateNode(node.id, { name: 'web-2', group: 'front', location: 'DE', hidden: true, position: 7 });
  const onB = await waitFor('B to see the edit', () => b.local.listNodes().find((n) => n.name === 'web-2'));
  assert.deepEqual([onB.id, onB.group, onB.location, onB.hidden, onB.position], [node.id, 'front', 'DE', true, 7]);
  await b.registry.addNode({ name: 'db-1', group: '', location: '', keyHash: 'h2' }, 1000);
  // A pull (another server's notice) landing between B's insert and its mirror write: queued on the
  // same connection, it reads the new row first. The add still succeeds, once (a loaded CI run
  // failed here with PROBE_ERR_EXISTS).
  const [db2] = await Promise.all([b.registry.addNode({ name: 'db-2', group: '', location: '', keyHash: 'h3' }, 1000), b.registry.pull()]);
  assert.deepEqual(
    b.local
      .listNodes()
      .filter((n) => n.name === 'db-2')
      .map((n) => n.id),
    [db2.id],
  );
  await assert.rejects(a.registry.updateNode(node.id, { ...onB, name: 'db-1' }), { code: 'PROBE_ERR_EXISTS' });

  // A burst of node changes (committed together, as 30 notifications) is one reload on B, not 30.
  const before = b.nodeChanges.count;
  await a.registry.query('BEGIN');
  await a.registry.query('UPDATE probe_nodes SET position = 3');
  for (let i = 0; i < 30; i++) await a.registry.notify('nodes', String(i)); // distinct: PostgreSQL folds equal ones
  await a.registry.query('COMMIT');
  await waitFor('B to get the burst', () => b.local.listNodes().every((n) => n.position === 3));
  await waitFor('B to settle', () => b.nodeChanges.count > before);
  assert.ok(b.nodeChanges.count - before <= 2, `${b.nodeChanges.count - before} reloads`);

  a.store.putSetting('admin.rules', '[{"name":"r"}]');
  a.store.putSetting('serverClock', '{"aheadMs":5}');
  a.store.putSession({ tokenHash: 't1', csrf: 'c1', createdAt: 1, expiresAt: Date.now() + 60_000 });
  await waitFor('B to get the rules', () => b.local.getSetting('admin.rules') === '[{"name":"r"}]');
  await waitFor('B to get the session', () => b.local.getSession('t1')?.csrf === 'c1');
  assert.equal(b.local.getSetting('serverClock'), null, 'the server clock is per server');
  b.store.putSetting('admin.rules', null);
  b.store.pruneSessions(Date.now(), true);
  await waitFor('A to drop the rules', () => a.local.getSetting('admin.rules') === null);
  await waitFor('A to drop the session', () => a.local.getSession('t1') === null);
  assert.deepEqual([...a.errors, ...b.errors], []);
});

test('one of two servers claims an alert event; presence tells a server which nodes another one has', async (t) => {
  const pg = await startPostgres(tempDir(t, 'probe-pg-'));
  t.after(() => pg.proc.stop('SIGINT'));
  const a = await member(t, pg.url);
  const b = await member(t, pg.url);
  const ca = new PgCluster(a.registry, 'A');
  const cb = new PgCluster(b.registry, 'B');
  // B's view of a node that left B long ago (time for A to have taken it and written its row).
  const onlineElsewhereNow = (id: number) => cb.onlineElsewhere(id, 0, 1000);
  const both = (state: 'firing' | 'resolved', repeat: boolean, at: number) =>
    Promise.all([ca.claim('cpu', 1, state, repeat, at), cb.claim('cpu', 1, state, repeat, at + 1)]);
  assert.deepEqual((await both('firing', false, 1000)).filter(Boolean).length, 1);
  assert.deepEqual(await both('firing', true, 2000), [false, false], 'a reminder within a minute of the first is not sent again');
  assert.deepEqual((await both('firing', true, 100_000)).filter(Boolean).length, 1);
  assert.deepEqual((await both('resolved', false, 200_000)).filter(Boolean).length, 1);
  assert.deepEqual(await Promise.all([ca.claim('cpu', 2, 'firing', false, 1), cb.claim('disk', 1, 'firing', false, 1)]), [true, true]);

  assert.equal(cb.firingAcross(), null, 'what fires across the servers is not known before a look');
  await ca.heartbeat([1, 2], 10_000, 20_000);
  await cb.heartbeat([3], 10_000, 20_000);
  assert.deepEqual([onlineElsewhereNow(1), onlineElsewhereNow(2), onlineElsewhereNow(3)], [true, true, false]);
  // What fires across the servers, by the claims: cpu on 1 resolved, cpu on 2 claimed by A, disk on 1 by B.
  const firing = (c: PgCluster) =>
    c
      .firingAcross()!
      .map((f) => `${f.rule} ${f.nodeId} ${f.since}`)
      .sort();
  for (const c of [ca, cb]) assert.deepEqual(firing(c), ['cpu 2 1', 'disk 1 1']);
  // A reminder moves when it was sent, not since when it fires.
  assert.equal(await ca.claim('cpu', 2, 'firing', true, 5000_000), true);
  await cb.heartbeat([3], 10_500, 20_000);
  assert.deepEqual(firing(cb), ['cpu 2 1', 'disk 1 1']);
  assert.deepEqual([...cb.claimedFiring(1)!], [['disk', 1]], 'by node too');
  await ca.claim('disk', 1, 'resolved', false, 9000);
  assert.deepEqual(firing(ca), ['cpu 2 1'], "A's own claim counts at once");
  assert.deepEqual([...ca.claimedFiring(1)!], []);
  await cb.heartbeat([3], 11_000, 20_000);
  assert.deepEqual(firing(cb), ['cpu 2 1'], 'B sees it at its next look');
  await ca.heartbeat([2], 15_000, 20_000);
  await cb.heartbeat([3], 15_000, 20_000);
  assert.deepEqual([onlineElsewhereNow(1), onlineElsewhereNow(2)], [false, true], 'A let node 1 go');
  await cb.heartbeat([3], 40_000, 20_000);
  assert.equal(onlineElsewhereNow(2), false, 'rows A stopped renewing are stale');
  await ca.heartbeat([2], 41_000, 20_000);
  await ca.leave();
  await cb.heartbeat([3], 41_000, 20_000);
  assert.equal(onlineElsewhereNow(2), false, 'A left');
  assert.equal(cb.onlineElsewhere(2, 40_500, 1000), true, 'a node that left after the last look started is not judged yet');
  await pg.proc.stop('SIGINT');
  await assert.rejects(cb.heartbeat([3], 42_000, 20_000), { code: 'PROBE_ERR_POSTGRES' });
  assert.equal(cb.onlineElsewhere(2, 40_500, 1000), false, 'without PostgreSQL each server judges alone');
  assert.equal(cb.firingAcross(), null, 'and lists what it judged itself');
  assert.equal(cb.claimedFiring(2), undefined);
});

test('a server with nodes joins an empty registry with their ids; another with nodes of its own is refused and keeps them', async (t) => {
  const pg = await startPostgres(tempDir(t, 'probe-pg-'));
  t.after(() => pg.proc.stop('SIGINT'));
  const a = await member(t, pg.url, (local) => {
    local.addNode({ name: 'old-1', group: '', location: '', keyHash: 'k1' }, 1);
    local.addNode({ name: 'old-2', group: '', location: '', keyHash: 'k2' }, 1);
    local.removeNode('old-1');
    local.putSetting('admin.password', 'scrypt$hash');
  });
  const before = a.local.listNodes().map((n) => [n.id, n.name]);
  const b = await member(t, pg.url);
  assert.deepEqual(
    b.local.listNodes().map((n) => [n.id, n.name]),
    before,
  );
  assert.equal(b.local.getSetting('admin.password'), 'scrypt$hash', "the first server's admin password comes along");
  const next = await b.registry.addNode({ name: 'new-1', group: '', location: '', keyHash: 'k3' }, 2);
  assert.ok(next.id > (before[0]![0] as number), 'new ids follow the moved ones');

  // A renames a node while it is down: A restarts into the registry as a member and follows.
  await a.registry.close();
  await b.registry.updateNode(next.id - 1, { name: 'old-2b', group: '', location: '', hidden: null, position: 0 });
  b.store.putSetting('admin.password', null);
  await b.store.flush();
  const again = await PgRegistry.open(pg.url, a.local);
  t.after(() => again.close());
  assert.deepEqual(
    a.local.listNodes().map((n) => n.name),
    ['old-2b', 'new-1'],
  );
  await PgShared.open(again, a.local);
  assert.equal(a.local.getSetting('admin.password'), null, 'a setting deleted while A was down stays deleted');

  const local = openSqliteStore(tempDir(t));
  t.after(() => local.close());
  local.addNode({ name: 'mine', group: '', location: '', keyHash: 'k4' }, 1);
  await assert.rejects(PgRegistry.open(pg.url, local), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'PROBE_ERR_POSTGRES');
    assert.match(err.message, /"mine".*empty --data/);
    return true;
  });
  assert.deepEqual(
    local.listNodes().map((n) => n.name),
    ['mine'],
  );
});

test('a sign-in on A is good on B at once, before any notice: B looks an unknown cookie up in PostgreSQL', async (t) => {
  const pg = await startPostgres(tempDir(t, 'probe-pg-'));
  t.after(() => pg.proc.stop('SIGINT'));
  const a = await member(t, pg.url);
  // B does not listen: only its lookup can find what A wrote.
  const bLocal = openSqliteStore(tempDir(t));
  t.after(() => bLocal.close());
  const bRegistry = await PgRegistry.open(pg.url, bLocal);
  t.after(() => bRegistry.close());
  const bStore = clusterStore(bLocal, await PgShared.open(bRegistry, bLocal), bRegistry);
  let lookups = 0;
  const refresh = bStore.refreshSession!;
  bStore.refreshSession = (hash: string) => (lookups++, refresh(hash));

  const authA = new AdminAuth(a.store, Date.now, undefined, undefined, 1024);
  const signedIn = await authA.setup(authA.setupToken!, 'correct horse battery');
  assert.ok(signedIn.ok);
  await a.store.flush();
  const cookie = `${SESSION_COOKIE}=${signedIn.token}`;
  const authB = new AdminAuth(bStore, Date.now, undefined, undefined, 1024);
  assert.equal(authB.session(cookie), null, 'B has not heard of it');
  assert.equal((await authB.sessionOf(cookie))?.csrf, signedIn.csrf, 'found in PostgreSQL');
  assert.equal(lookups, 1);
  assert.equal((await authB.sessionOf(cookie))?.csrf, signedIn.csrf);
  assert.equal(lookups, 1, 'then known on B');

  const stranger = `${SESSION_COOKIE}=${'x'.repeat(43)}`;
  assert.equal(await authB.sessionOf(stranger), null);
  assert.equal(await authB.sessionOf(stranger), null);
  assert.equal(lookups, 2, 'a token found nowhere is not looked up again at once');
  assert.equal(await authB.sessionOf(`${SESSION_COOKIE}=${'y'.repeat(65)}`), null);
  assert.equal(lookups, 2, 'no lookup for a cookie longer than any token');
});
