/**
 * @module The SQLite Store: the only importer of better-sqlite3. WAL mode so the CLI can add
 * nodes while the server runs; a busy timeout so the two never fail on each other's locks.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { HostFacts } from '../protocol/messages';
import type { MetricValues } from '../protocol/metrics';
import { ProbeError } from '../util/errors';
import { MIGRATIONS } from './migrations/index';
import { embeddedSqliteBinding } from './native';
import type { NewNode, NodeRecord, Store, StoredSample } from './store';

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
}

interface SampleRow {
  node_id: number;
  seq: number;
  ts: number;
  vals: string;
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
  };
}

function toSample(row: SampleRow): StoredSample {
  return { nodeId: row.node_id, seq: row.seq, ts: row.ts, values: JSON.parse(row.vals) as MetricValues };
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

/** Opens (creating if needed) `<dataDir>/probe.db`. */
export function openSqliteStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'probe.db');
  let db: Database.Database;
  try {
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
    deleteSamples: db.prepare('DELETE FROM samples WHERE node_id = ?'),
    setKey: db.prepare('UPDATE nodes SET key_hash = ? WHERE name = ?'),
    setHost: db.prepare('UPDATE nodes SET host = ? WHERE id = ?'),
    setLastSeen: db.prepare('UPDATE nodes SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?'),
    insertSample: db.prepare('INSERT OR IGNORE INTO samples (node_id, ts, seq, vals) VALUES (?, ?, ?, ?)'),
    latest: db.prepare<[], SampleRow>(
      'SELECT s.node_id, s.seq, s.ts, s.vals FROM nodes n JOIN samples s ON s.node_id = n.id AND s.ts = (SELECT max(ts) FROM samples WHERE node_id = n.id)',
    ),
    range: db.prepare<[number, number, number], SampleRow>('SELECT node_id, seq, ts, vals FROM samples WHERE node_id = ? AND ts >= ? AND ts < ? ORDER BY ts'),
  };

  const writeBatch = db.transaction((samples: readonly StoredSample[]) => {
    const newest = new Map<number, number>();
    for (const s of samples) {
      q.insertSample.run(s.nodeId, s.ts, s.seq, JSON.stringify(s.values));
      if ((newest.get(s.nodeId) ?? 0) < s.ts) newest.set(s.nodeId, s.ts);
    }
    for (const [nodeId, ts] of newest) q.setLastSeen.run(ts, nodeId);
  });

  const removeNode = db.transaction((id: number) => {
    q.deleteSamples.run(id);
    q.deleteNode.run(id);
  });

  return {
    listNodes: () => q.listNodes.all().map(toNode),
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
    findNodeByKeyHash(keyHash) {
      const row = q.byKeyHash.get(keyHash);
      return row ? toNode(row) : null;
    },
    setHost: (nodeId, host) => void q.setHost.run(JSON.stringify(host), nodeId),
    writeSamples: (samples) => writeBatch(samples),
    latestSamples: () => q.latest.all().map(toSample),
    samples: (nodeId, from, to) => q.range.all(nodeId, from, to).map(toSample),
    externalChangeMarker: () => db.pragma('data_version', { simple: true }) as number,
    close: () => db.close(),
  };
}
