/**
 * `probe backup` with the real executable while the server runs and an agent reports: the copy
 * holds every acknowledged sample and what the admin set (rules, channels, the audit log), passes
 * the integrity check, and opens as a data directory.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, tempDir, waitFor } from '../helpers';
import { AlertSetup } from '../../src/server/admin/alert-setup';
import { TestAgent, client, helloMessage, startTestServer } from '../server/test-server';

test('probe backup copies a live database: every acked sample, sound, ready to restore', async (t) => {
  const s = await startTestServer(t);
  const agent = new TestAgent(s.ws, s.addNode('web-1'));
  await agent.opened;
  t.after(() => agent.close());
  agent.send(helloMessage());
  const start = Date.now() - 120_000;
  for (let seq = 1; seq <= 100; seq++) agent.sample(seq, [seq, 1, 2, 0.5], start + seq * 1000);
  await waitFor('all acked', () => agent.of('ack').some((a) => a.seq === 100));
  const admin = client(s);
  await admin.signIn();
  assert.equal(
    (await admin.call('PUT', '/api/admin/channels/hook', { type: 'webhook', url: 'http://127.0.0.1:9/hook', headers: { 'X-Key': 'k3y' } }))
      .status,
    201,
  );
  assert.equal(
    (await admin.call('POST', '/api/admin/rules', { name: 'cpu', metric: 'cpu', op: '>', threshold: 90, notify: ['hook'] })).status,
    201,
  );

  const out = tempDir(t, 'probe-backup-');
  const file = path.join(out, 'probe-backup.db');
  const run = spawnSync(BINARY, ['backup', file, '--data', s.dataDir], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Backed up .* MiB\)/);
  assert.deepEqual(readdirSync(out), ['probe-backup.db'], 'no partial file or WAL left beside it');

  const restored = path.join(out, 'restored');
  mkdirSync(restored);
  renameSync(file, path.join(restored, 'probe.db'));
  const store = openSqliteStore(restored);
  try {
    assert.deepEqual(store.integrityCheck(), []);
    const [node] = store.listNodes();
    assert.equal(node!.name, 'web-1');
    const samples = store.samples(node!.id, start, start + 200_000);
    assert.deepEqual(
      samples.map((x) => x.seq),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    // What the admin set comes back with it: the restored server runs the same rules and channels.
    const setup = new AlertSetup(store, { rules: [], channels: {} }, { rules: () => undefined, channels: () => undefined });
    assert.deepEqual(
      setup.rules().map((r) => r.name),
      ['cpu'],
    );
    assert.deepEqual((setup.channels().hook as { headers: Record<string, string> }).headers, { 'X-Key': 'k3y' });
    assert.deepEqual(
      store.auditLog(10).map((e) => e.action),
      ['rule "cpu" created', 'channel "hook" created (webhook)'],
    );
  } finally {
    store.close();
  }

  const missing = spawnSync(BINARY, ['backup', path.join(out, 'x.db'), '--data', path.join(out, 'nowhere')], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /PROBE_ERR_NOT_FOUND: no database at/);
  assert.ok(!existsSync(path.join(out, 'x.db')));
});
