/**
 * A damaged probe.db (pages overwritten, or a file that is not a database at all): the server
 * refuses to start with PROBE_ERR_STORE and says how to restore a `probe backup` file, instead
 * of starting on it (a garbled page was only found by some later query) or dying with a trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, openSync, rmSync, writeSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { addNode } from '../../src/server/fleet/nodes';
import { BINARY, tempDir } from '../helpers';

/** A database with a few nodes and a backup of it, as `probe backup` makes one. */
function withBackup(dir: string): { data: string; db: string; backup: string } {
  const data = path.join(dir, 'data');
  const store = openSqliteStore(data);
  for (let i = 0; i < 40; i++) addNode(store, `node-${i}`, 'group', 'de', Date.now());
  store.close();
  const backup = path.join(dir, 'probe-backup.db');
  const made = spawnSync(BINARY, ['backup', backup, '--data', data], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return { data, db: path.join(data, 'probe.db'), backup };
}

const start = (data: string) =>
  spawnSync(BINARY, ['server', '--data', data, '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 20_000 });

function assertRefused(result: ReturnType<typeof start>, db: string): void {
  assert.equal(
    result.status,
    3,
    `exit 3 (not restarted by systemd), not a server running on a damaged file:\n${result.stdout}\n${result.stderr}`,
  );
  assert.match(result.stderr, /PROBE_ERR_STORE: the database .*probe\.db is damaged/);
  assert.ok(result.stderr.includes(`copy the backup to ${db}`), result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

test('pages overwritten in probe.db: the server refuses to start and says how to restore; the backup then starts', (t) => {
  const dir = tempDir(t, 'probe-damaged-');
  const { data, db, backup } = withBackup(dir);
  const fd = openSync(db, 'r+');
  const size = statSync(db).size;
  // Garbage over every page but the first (the header stays: SQLite opens the file happily).
  for (let at = 4096; at < size; at += 4096) writeSync(fd, Buffer.alloc(4096, 0xde), 0, 4096, at);
  closeSync(fd);
  assertRefused(start(data), db);
  // What the message says to do, done: the server starts on the backup.
  copyFileSync(backup, db);
  rmSync(`${db}-wal`, { force: true });
  rmSync(`${db}-shm`, { force: true });
  const again = spawnSync(BINARY, ['node', 'list', '--data', data], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /node-39/);
});

test('probe.db that is not a database (a truncated or foreign file): refused the same way', (t) => {
  const dir = tempDir(t, 'probe-damaged-');
  const { data, db } = withBackup(dir);
  const fd = openSync(db, 'r+');
  writeSync(fd, Buffer.from('this is not SQLite at all, just bytes in the way '.repeat(4)), 0, 196, 0);
  closeSync(fd);
  rmSync(`${db}-wal`, { force: true });
  assertRefused(start(data), db);
});
