/**
 * @module The SQLite Store: the only importer of better-sqlite3. WAL mode so the CLI can add
 * nodes while the server runs; a busy timeout so the two never fail on each other's locks.
 * Nodes live here; samples and history tiers in series.ts.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HostFacts } from '../protocol/messages';
import { ProbeError } from '../util/errors';
import { MIGRATIONS } from './migrations/index';
import { embeddedSqliteBinding } from './native';
import { Series } from './series';
import type { NewNode, NodeRecord, Store } from './store';
import { DEFAULT_RETENTION } from './tiers';

interface NodeRow {
  id: number;
  name: string;
  grp: string;
  location: string;
  key_hash: string;
  created_at: number;
  host: string | null;
  last_seen: number | null;
  is_local: number;
  hidden: number | null;
  position: number;
}


function toNode(row: NodeRow): NodeRecord {
  return {
    id: row.id,
    name: row.name,
    group: row.grp,
    location: row.location,
    keyHash: row.key_hash,
    createdAt: row.created_at,
    host: row.host ? (JSON.parse(row.host) as HostFacts) : null,
    lastSeen: row.last_seen,
    isLocal: row.is_local === 1,
    hidden: row.hidden === null ? null : row.hidden === 1,
    position: row.position,
  };
}


export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new ProbeError('PROBE_ERR_STORE', `the database was written by a newer probe (schema ${current}, this one knows ${MIGRATIONS.length}): upgrade probe`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * Creates `file` for its owner alone if it is missing, and takes group and other access away from
 * it and its -wal and -shm files if they have it (SQLite creates those with the database's mode).
 * The database holds the admin's password hash, the page secret, session and CSRF tokens: private
 * even where the data directory is not (a --data made by hand, an older probe's 0644 file).
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      // Not there (no -wal yet), or another user's file: SQLite's own error, if any, says more.
    }
  }
}

/** Opens (creating if needed) `<dataDir>/probe.db`. `rawRetentionMs` bounds which hours compaction may re-roll. */
export function openSqliteStore(dataDir: string, rawRetentionMs = DEFAULT_RETENTION.raw): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'probe.db');
  let db: Database.Database;
  try {
    ownerOnly(file);
    // The typings only allow a path; better-sqlite3 also takes the loaded addon object.
    db = new Database(file, { nativeBinding: embeddedSqliteBinding() as string | undefined });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (err) {
    if (err instanceof ProbeError) throw err;
    throw new ProbeError('PROBE_ERR_STORE', `cannot open database ${file}: ${(err as Error).message}`);
  }

  const q = {
    listNodes: db.prepare<[], NodeRow>('SELECT * FROM nodes ORDER BY id'),
    byName: db.prepare<[string], NodeRow>('SELECT * FROM nodes WHERE name = ?'),
    byKeyHash: db.prepare<[string], NodeRow>('SELECT * FROM nodes WHERE key_hash = ?'),
    insertNode: db.prepare('INSERT INTO nodes (name, grp, location, key_hash, created_at, is_local) VALUES (?, ?, ?, ?, ?, ?)'),
    deleteNode: db.prepare('DELETE FROM nodes WHERE id = ?'),
    setKey: db.prepare('UPDATE nodes SET key_hash = ? WHERE name = ?'),
    updateNode: db.prepare('UPDATE nodes SET name = ?, grp = ?, location = ?, hidden = ?, position = ? WHERE id = ?'),
    setHost: db.prepare('UPDATE nodes SET host = ? WHERE id = ?'),
    alertStates: db.prepare<[], { rule: string; node_id: number; state: string }>('SELECT rule, node_id, state FROM alert_state'),
    putAlert: db.prepare('INSERT OR REPLACE INTO alert_state (rule, node_id, state) VALUES (?, ?, ?)'),
    deleteAlert: db.prepare('DELETE FROM alert_state WHERE rule = ? AND node_id = ?'),
    deleteNodeAlerts: db.prepare('DELETE FROM alert_state WHERE node_id = ?'),
    trafficStates: db.prepare<[], { node_id: number; state: string }>('SELECT node_id, state FROM traffic'),
    putTraffic: db.prepare('INSERT OR REPLACE INTO traffic (node_id, state) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM nodes WHERE id = ?)'),
    deleteNodeTraffic: db.prepare('DELETE FROM traffic WHERE node_id = ?'),
    addEvent: db.prepare('INSERT INTO alert_events (ts, rule, node_id, state, severity, value, text, silenced) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    events: db.prepare<[number], { ts: number; rule: string; node_id: number; state: string; severity: string; value: number | null; text: string; silenced: number }>(
      'SELECT ts, rule, node_id, state, severity, value, text, silenced FROM alert_events ORDER BY ts DESC, id DESC LIMIT ?',
    ),
    pruneEvents: db.prepare('DELETE FROM alert_events WHERE ts < ?'),
    deleteNodeEvents: db.prepare('DELETE FROM alert_events WHERE node_id = ?'),
    getSetting: db.prepare<[string], { value: string }>('SELECT value FROM admin_settings WHERE key = ?'),
    putSetting: db.prepare('INSERT OR REPLACE INTO admin_settings (key, value) VALUES (?, ?)'),
    deleteSetting: db.prepare('DELETE FROM admin_settings WHERE key = ?'),
    putSession: db.prepare('INSERT OR REPLACE INTO sessions (token_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)'),
    getSession: db.prepare<[string], { token_hash: string; csrf: string; created_at: number; expires_at: number }>('SELECT * FROM sessions WHERE token_hash = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
    pruneSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR ? = 1'),
  };
  let series: Series;
  try {
    series = new Series(db, rawRetentionMs);
  } catch (err) {
    db.close();
    throw new ProbeError('PROBE_ERR_STORE', `cannot read the sample journal in ${file}: ${(err as Error).message}`);
  }

  const removeNode = db.transaction((id: number) => {
    series.removeNode(id);
    q.deleteNodeAlerts.run(id);
    q.deleteNodeTraffic.run(id);
    q.deleteNodeEvents.run(id);
    q.deleteNode.run(id);
  });

  // New metric names are recorded in the same transaction as the batch's journal row.
  const writeSamples = db.transaction((samples: Parameters<Store['writeSamples']>[0]) => series.write(samples));

  const putTraffic = db.transaction((states: readonly { nodeId: number; state: string }[]) => {
    for (const s of states) q.putTraffic.run(s.nodeId, s.state, s.nodeId);
  });

  return {
    listNodes: () =>
      q.listNodes.all().map((row) => {
        const node = toNode(row);
        const pending = series.newestPending(node.id);
        if (pending > (node.lastSeen ?? 0)) node.lastSeen = pending;
        return node;
      }),
    addNode(node: NewNode, now: number) {
      if (q.byName.get(node.name)) throw new ProbeError('PROBE_ERR_EXISTS', `a node named "${node.name}" already exists: pick another name or remove it first`);
      q.insertNode.run(node.name, node.group, node.location, node.keyHash, now, node.isLocal ? 1 : 0);
      return toNode(q.byName.get(node.name)!);
    },
    removeNode(name) {
      const row = q.byName.get(name);
      if (!row) return false;
      removeNode(row.id);
      return true;
    },
    setKeyHash: (name, keyHash) => q.setKey.run(keyHash, name).changes > 0,
    updateNode(id, f) {
      const other = q.byName.get(f.name);
      if (other && other.id !== id) throw new ProbeError('PROBE_ERR_EXISTS', `a node named "${f.name}" already exists: pick another name`);
      return q.updateNode.run(f.name, f.group, f.location, f.hidden === null ? null : f.hidden ? 1 : 0, f.position, id).changes > 0;
    },
    findNodeByKeyHash(keyHash) {
      const row = q.byKeyHash.get(keyHash);
      return row ? toNode(row) : null;
    },
    setHost: (nodeId, host) => void q.setHost.run(JSON.stringify(host), nodeId),
    writeSamples: (samples) => writeSamples(samples),
    latestSamples: () => q.listNodes.all().flatMap((n) => series.latest(n.id) ?? []),
    samples: (nodeId, from, to, names) => series.samples(nodeId, from, to, names),
    buckets: (nodeId, tier, from, to, names) => series.buckets(nodeId, tier, from, to, names),
    metricNames: (nodeId) => series.namesOfNode(nodeId),
    censusMetricNames: (limit) => series.census(limit),
    compact: (now, limit) => series.compact(now, limit),
    applyRetention: (now, retention, limit) => series.applyRetention(now, retention, limit),
    stats() {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const pages = db.pragma('page_count', { simple: true }) as number;
      return { fileBytes: pageSize * pages, ...series.counts() };
    },
    alertStates: () => q.alertStates.all().map((r) => ({ rule: r.rule, nodeId: r.node_id, state: r.state })),
    putAlertState(rule, nodeId, state) {
      if (state === null) q.deleteAlert.run(rule, nodeId);
      else q.putAlert.run(rule, nodeId, state);
    },
    addAlertEvent: (e) => void q.addEvent.run(e.ts, e.rule, e.nodeId, e.state, e.severity, e.value, e.text, e.silenced ? 1 : 0),
    alertEvents: (limit) =>
      q.events.all(limit).map((r) => ({ ts: r.ts, rule: r.rule, nodeId: r.node_id, state: r.state as 'firing' | 'resolved', severity: r.severity, value: r.value, text: r.text, silenced: r.silenced === 1 })),
    pruneAlertEvents: (before) => q.pruneEvents.run(before).changes,
    trafficStates: () => q.trafficStates.all().map((r) => ({ nodeId: r.node_id, state: r.state })),
    putTrafficStates: (states) => putTraffic(states),
    getSetting: (key) => q.getSetting.get(key)?.value ?? null,
    putSetting(key, value) {
      if (value === null) q.deleteSetting.run(key);
      else q.putSetting.run(key, value);
    },
    putSession: (x) => void q.putSession.run(x.tokenHash, x.csrf, x.createdAt, x.expiresAt),
    getSession(tokenHash) {
      const r = q.getSession.get(tokenHash);
      return r ? { tokenHash: r.token_hash, csrf: r.csrf, createdAt: r.created_at, expiresAt: r.expires_at } : null;
    },
    deleteSession: (tokenHash) => void q.deleteSession.run(tokenHash),
    pruneSessions: (now, all = false) => void q.pruneSessions.run(now, all ? 1 : 0),
    integrityCheck() {
      const rows = db.pragma('integrity_check') as { integrity_check: string }[];
      return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    },
    externalChangeMarker: () => db.pragma('data_version', { simple: true }) as number,
    close: () => db.close(),
  };
}

/**
 * Copies `<dataDir>/probe.db` to `dest` with SQLite's online backup, safe while the server writes
 * (it holds everything acked: blocks and the journal). Written beside `dest` and renamed when complete
 * and sound, so a half-written backup never sits under the final name.
 */
export async function backupDatabase(dataDir: string, dest: string): Promise<{ bytes: number }> {
  const file = path.join(dataDir, 'probe.db');
  if (!existsSync(file)) throw new ProbeError('PROBE_ERR_NOT_FOUND', `no database at ${file}: pass the server's --data directory`);
  const source = new Database(file, { readonly: true, fileMustExist: true, nativeBinding: embeddedSqliteBinding() as string | undefined });
  const tmp = `${dest}.partial-${process.pid}`;
  try {
    // A backup holds the same secrets as the database (SQLite would create it 0644).
    closeSync(openSync(tmp, 'w', 0o600));
    source.pragma('busy_timeout = 5000');
    await source.backup(tmp);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new ProbeError('PROBE_ERR_STORE', `backup to ${dest} failed: ${(err as Error).message}`);
  } finally {
    source.close();
  }
  const copy = new Database(tmp, { nativeBinding: embeddedSqliteBinding() as string | undefined });
  const problems = (copy.pragma('integrity_check') as { integrity_check: string }[]).filter((r) => r.integrity_check !== 'ok');
  copy.pragma('journal_mode = DELETE');
  copy.close();
  if (problems.length) {
    rmSync(tmp, { force: true });
    throw new ProbeError('PROBE_ERR_STORE', `the backup failed its integrity check (${problems[0]!.integrity_check}): nothing written`);
  }
  renameSync(tmp, dest);
  return { bytes: statSync(dest).size };
}
