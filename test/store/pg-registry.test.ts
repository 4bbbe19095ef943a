import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgRegistry, redactUrl } from '../../src/store/pg-registry';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { ProbeError } from '../../src/util/errors';
import { tempDir, waitFor } from '../helpers';
import { startPostgres } from '../postgres';
import { freePort } from '../e2e/tsdb';

test('two servers share one registry in PostgreSQL: a node added on A is known, with the same id, on B', async (t) => {
  // pg 8 warns (once per process) when a statement is sent while another runs; pg 9 refuses it.
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const pg = await startPostgres(tempDir(t, 'probe-pg-'));
  t.after(() => pg.proc.stop('SIGINT'));
  const storeA = openSqliteStore(tempDir(t));
  const storeB = openSqliteStore(tempDir(t));
  t.after(() => {
    storeA.close();
    storeB.close();
  });
  const a = await PgRegistry.open(pg.url, storeA);
  const b = await PgRegistry.open(pg.url, storeB);
  t.after(() => Promise.all([a.close(), b.close()]));
  let changes = 0;
  const errors: Error[] = [];
  await b.listen(
    () => changes++,
    (err) => errors.push(err),
  );
  await a.listen(
    () => {},
    (err) => errors.push(err),
  );

  // Statements from many callers at once (presence, claims, notifications) run one at a time, in order.
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => a.query('SELECT $1::int AS n', [i])));
  assert.deepEqual(
    answers.map((r) => r.rows[0]!.n),
    Array.from({ length: 20 }, (_, i) => i),
  );

  const web = await a.addNode({ name: 'web-1', group: 'web', location: 'FR', keyHash: 'h1' }, 1000);
  const onB = await waitFor('B to learn web-1', () => storeB.findNodeByKeyHash('h1'));
  assert.equal(onB.id, web.id);
  assert.equal(onB.name, 'web-1');

  await assert.rejects(b.addNode({ name: 'web-1', group: '', location: '', keyHash: 'h2' }, 2000), { code: 'PROBE_ERR_EXISTS' });

  await b.setKeyHash('web-1', 'h3');
  await waitFor('A to learn the new key', () => storeA.findNodeByKeyHash('h3'));
  assert.equal(storeA.findNodeByKeyHash('h1'), null, 'the old key is refused on A');

  const db = await b.addNode({ name: 'db-1', group: '', location: '', keyHash: 'h4' }, 3000);
  assert.notEqual(db.id, web.id);
  await a.removeNode('web-1');
  await waitFor('B to forget web-1', () => storeB.findNodeByKeyHash('h3') === null);
  assert.equal(storeA.findNodeByKeyHash('h4')?.id ?? (await waitFor('A to learn db-1', () => storeA.findNodeByKeyHash('h4'))).id, db.id);

  // A third server starting later loads the whole registry.
  const storeC = openSqliteStore(tempDir(t));
  t.after(() => storeC.close());
  const c = await PgRegistry.open(pg.url, storeC);
  t.after(() => c.close());
  assert.deepEqual(
    storeC.listNodes().map((n) => [n.id, n.name]),
    [[db.id, 'db-1']],
  );
  assert.ok(changes > 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    warnings.filter((m) => /already executing a query/.test(m)),
    [],
    'no statement was sent while another ran',
  );
});

test('an unreachable PostgreSQL is PROBE_ERR_POSTGRES, without the password', async (t) => {
  const port = await freePort();
  const store = openSqliteStore(tempDir(t));
  t.after(() => store.close());
  const url = `postgres://probe:s3cret@127.0.0.1:${port}/probe`;
  const err = await PgRegistry.open(url, store).then(
    () => assert.fail('opened'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProbeError);
  assert.equal(err.code, 'PROBE_ERR_POSTGRES');
  assert.doesNotMatch(err.message, /s3cret/);
  assert.doesNotMatch(redactUrl(url), /s3cret/);
});
