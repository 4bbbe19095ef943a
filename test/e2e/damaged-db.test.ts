/**
 * A damaged probe.db with the real binary: garbage over its pages, a truncated file, a garbled
 * header. The server refuses to start with PROBE_ERR_STORE saying how to restore a `probe backup`
 * file, exits with status 3 (which the systemd unit does not restart), and prints no stack trace.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { valuesRow } from '../../src/protocol/row';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, run, tempDir } from '../helpers';

const T0 = 1_764_000_000_000;

/** A database with a node and some history, closed cleanly (no -wal left). */
function makeDatabase(dir: string): string {
  const store = openSqliteStore(dir);
  const node = store.addNode({ name: 'a', group: '', location: '', keyHash: 'aa' }, T0);
  for (let m = 0; m < 30; m++) {
    store.writeSamples(Array.from({ length: 60 }, (_, s) => ({ nodeId: node.id, seq: m * 60 + s + 1, ts: T0 + (m * 60 + s) * 1000, row: valuesRow({ cpu: s, memUsedBytes: 1e9 + s * 4096, load1: 0.5 }) })));
  }
  store.compact(T0 + 3_600_000, 100);
  store.close();
  return path.join(dir, 'probe.db');
}

const DAMAGE: Record<string, (file: string) => void> = {
  'garbage over its pages': (file) => {
    const bytes = readFileSync(file);
    for (let i = Math.floor(bytes.length * 0.3); i < Math.floor(bytes.length * 0.7); i++) bytes[i] = (i * 7919) & 0xff;
    writeFileSync(file, bytes);
  },
  'a truncated file': (file) => truncateSync(file, Math.floor(statSync(file).size / 2)),
  'a garbled header': (file) => {
    const bytes = readFileSync(file);
    bytes.fill(0x41, 0, 100);
    writeFileSync(file, bytes);
  },
};

for (const [what, damage] of Object.entries(DAMAGE)) {
  test(`${what}: the server refuses to start with PROBE_ERR_STORE and how to restore a backup`, { timeout: 30_000 }, async (t) => {
    const dir = tempDir(t, 'probe-damaged-');
    const data = path.join(dir, 'data');
    const file = makeDatabase(data);
    assert.ok(statSync(file).size > 32 * 1024, 'a database of several pages');
    damage(file);
    const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', data], { cwd: dir });
    t.after(() => server.stop('SIGKILL'));
    const code = await new Promise<number | null>((resolve) => {
      if (server.child.exitCode !== null) resolve(server.child.exitCode);
      server.child.on('exit', (c) => resolve(c));
    });
    const stderr = server.stderr();
    assert.equal(code, 3, `exit status 3: ${stderr}`);
    assert.match(stderr, /PROBE_ERR_STORE: the database \S+probe\.db is damaged/);
    assert.match(stderr, /probe backup/);
    assert.match(stderr, /copy the backup to/);
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    assert.equal(server.stdout(), '', 'it never listened');
  });
}
