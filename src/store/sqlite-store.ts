/**
 * @module The SQLite Store: the only importer of better-sqlite3. WAL mode so the CLI can add
 * nodes while the server runs; a busy timeout so the two never fail on each other's locks.
 * New samples land as rows in `samples` (the head); compaction packs each closed minute into a
 * block and updates the 1m/15m/1h rollup blocks it feeds.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { HostFacts } from '../protocol/messages';
import type { MetricValues } from '../protocol/metrics';
import { ProbeError } from '../util/errors';
import { decodeBlock, encodeBlock } from './codec';
import type { BlockSample } from './codec';
import { MIGRATIONS } from './migrations/index';
import { embeddedSqliteBinding } from './native';
import { mergeBuckets, rollupSamples } from './rollup';
import type { Bucket, Stat } from './rollup';
import type { NewNode, NodeRecord, Store, StoredSample } from './store';
import { TIERS, floorTo } from './tiers';
import type { Tier } from './tiers';

/** A minute is packed this long after it ended, so samples still in flight land in the head first. */
const COMPACT_GRACE_MS = 5_000;
const MINUTE = 60_000;
const STAT_KEYS = ['min', 'max', 'n'] as const;

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

interface HeadRow {
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

function toSample(row: HeadRow): StoredSample {
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
    deleteNodeHead: db.prepare('DELETE FROM samples WHERE node_id = ?'),
    deleteNodeBlocks: db.prepare('DELETE FROM blocks WHERE node_id = ?'),
    setKey: db.prepare('UPDATE nodes SET key_hash = ? WHERE name = ?'),
    setHost: db.prepare('UPDATE nodes SET host = ? WHERE id = ?'),
    setLastSeen: db.prepare('UPDATE nodes SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?'),
    insertHead: db.prepare('INSERT OR IGNORE INTO samples (node_id, ts, seq, vals) VALUES (?, ?, ?, ?)'),
    headRange: db.prepare<[number, number, number], HeadRow>('SELECT node_id, seq, ts, vals FROM samples WHERE node_id = ? AND ts >= ? AND ts < ? ORDER BY ts'),
    deleteHeadRange: db.prepare('DELETE FROM samples WHERE node_id = ? AND ts >= ? AND ts < ?'),
    headMinutes: db.prepare<[], { node_id: number; minute: number }>(`SELECT DISTINCT node_id, ts - ts % ${MINUTE} AS minute FROM samples`),
    latestHead: db.prepare<[], HeadRow>(
      'SELECT s.node_id, s.seq, s.ts, s.vals FROM nodes n JOIN samples s ON s.node_id = n.id AND s.ts = (SELECT max(ts) FROM samples WHERE node_id = n.id)',
    ),
    block: db.prepare<[number, number, number], { data: Buffer }>('SELECT data FROM blocks WHERE node_id = ? AND tier = ? AND start_ts = ?'),
    newestBlock: db.prepare<[number, number], { data: Buffer }>('SELECT data FROM blocks WHERE node_id = ? AND tier = ? ORDER BY start_ts DESC LIMIT 1'),
    blockRange: db.prepare<[number, number, number, number], { data: Buffer }>(
      'SELECT data FROM blocks WHERE node_id = ? AND tier = ? AND start_ts >= ? AND start_ts < ? ORDER BY start_ts',
    ),
    putBlock: db.prepare('INSERT OR REPLACE INTO blocks (node_id, tier, start_ts, count, data) VALUES (?, ?, ?, ?, ?)'),
    expireBlocks: db.prepare(
      'DELETE FROM blocks WHERE (node_id, tier, start_ts) IN (SELECT node_id, tier, start_ts FROM blocks WHERE node_id = ? AND tier = ? AND start_ts < ? LIMIT ?)',
    ),
    expireHead: db.prepare('DELETE FROM samples WHERE node_id = ? AND ts < ?'),
    names: db.prepare<[], { id: number; name: string }>('SELECT id, name FROM metric_names'),
    addName: db.prepare('INSERT OR IGNORE INTO metric_names (name) VALUES (?)'),
    nameId: db.prepare<[string], { id: number }>('SELECT id FROM metric_names WHERE name = ?'),
    countBlocks: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM blocks'),
    countHead: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM samples'),
  };

  // Metric names are stored once; blocks refer to them by id. The cache is reloaded when another
  // connection to the same file added names this one has not seen.
  const idByName = new Map<string, number>();
  const nameById = new Map<number, string>();
  const loadNames = () => {
    for (const { id, name } of q.names.all()) {
      idByName.set(name, id);
      nameById.set(id, name);
    }
  };
  loadNames();
  const idOf = (name: string): number => {
    let id = idByName.get(name);
    if (id === undefined) {
      q.addName.run(name);
      id = q.nameId.get(name)!.id;
      idByName.set(name, id);
      nameById.set(id, name);
    }
    return id;
  };
  const nameOf = (id: number): string => {
    if (!nameById.has(id)) loadNames();
    return nameById.get(id) ?? `unknown.${id}`;
  };

  // Which minutes of which node have rows in the head, so compaction never scans the table.
  const pending = new Map<number, Set<number>>();
  const markPending = (nodeId: number, minute: number) => {
    let set = pending.get(nodeId);
    if (!set) pending.set(nodeId, (set = new Set()));
    set.add(minute);
  };
  for (const { node_id, minute } of q.headMinutes.all()) markPending(node_id, minute);

  const rawToBlock = (values: MetricValues): Record<number, number> => {
    const out: Record<number, number> = {};
    for (const [name, v] of Object.entries(values)) out[idOf(name)] = v;
    return out;
  };
  const rawFromBlock = (values: Record<number, number>): MetricValues => {
    const out: MetricValues = {};
    for (const [id, v] of Object.entries(values)) out[nameOf(Number(id))] = v;
    return out;
  };
  const bucketToBlock = (b: Bucket): BlockSample => {
    const values: Record<number, number> = {};
    for (const [name, s] of Object.entries(b.stats)) {
      values[idOf(name)] = s.avg;
      for (const k of STAT_KEYS) values[idOf(`${name}:${k}`)] = s[k];
    }
    return { ts: b.ts, seq: 0, values };
  };
  const bucketFromBlock = (s: BlockSample): Bucket => {
    const stats: Record<string, Stat> = {};
    const flat = rawFromBlock(s.values);
    for (const [key, v] of Object.entries(flat)) {
      if (key.includes(':')) continue;
      stats[key] = { avg: v, min: flat[`${key}:min`] ?? v, max: flat[`${key}:max`] ?? v, n: flat[`${key}:n`] ?? 1 };
    }
    return { ts: s.ts, stats };
  };

  const readBlock = (nodeId: number, tier: Tier, start: number): BlockSample[] => {
    const row = q.block.get(nodeId, tier.id, start);
    return row ? decodeBlock(row.data) : [];
  };
  const writeBlock = (nodeId: number, tier: Tier, start: number, samples: BlockSample[]) => {
    q.putBlock.run(nodeId, tier.id, start, samples.length, encodeBlock(samples));
  };

  /** Puts buckets into their tier's block (replacing same-ts ones) and returns the whole block. */
  const upsertBuckets = (nodeId: number, tier: Tier, buckets: Bucket[]): Bucket[] => {
    if (buckets.length === 0) return [];
    const start = floorTo(buckets[0]!.ts, tier.blockMs);
    const byTs = new Map(readBlock(nodeId, tier, start).map((s) => [s.ts, bucketFromBlock(s)]));
    for (const b of buckets) byTs.set(b.ts, b);
    const all = [...byTs.values()].sort((a, b) => a.ts - b.ts);
    writeBlock(nodeId, tier, start, all.map(bucketToBlock));
    return all;
  };

  const [RAW, T1M, T15M, T1H] = TIERS as [Tier, Tier, Tier, Tier];

  const compactMinute = (nodeId: number, minute: number) => {
    const head = q.headRange.all(nodeId, minute, minute + MINUTE);
    const byTs = new Map<number, BlockSample>(readBlock(nodeId, RAW, minute).map((s) => [s.ts, s]));
    for (const row of head) {
      // The first copy stored wins, as with the head's INSERT OR IGNORE.
      if (!byTs.has(row.ts)) byTs.set(row.ts, { ts: row.ts, seq: row.seq, values: rawToBlock(JSON.parse(row.vals) as MetricValues) });
    }
    const merged = [...byTs.values()].sort((a, b) => a.ts - b.ts);
    writeBlock(nodeId, RAW, minute, merged);
    q.deleteHeadRange.run(nodeId, minute, minute + MINUTE);

    // Cascade: this minute's bucket, then the quarter and the hour that contain it.
    const minuteBuckets = rollupSamples(merged.map((s) => ({ ts: s.ts, values: rawFromBlock(s.values) })), T1M.stepMs);
    const hourOfMinutes = upsertBuckets(nodeId, T1M, minuteBuckets);
    const quarter = floorTo(minute, T15M.stepMs);
    const quarterBuckets = mergeBuckets(hourOfMinutes.filter((b) => b.ts >= quarter && b.ts < quarter + T15M.stepMs), T15M.stepMs);
    const dayOfQuarters = upsertBuckets(nodeId, T15M, quarterBuckets);
    const hour = floorTo(minute, T1H.stepMs);
    upsertBuckets(nodeId, T1H, mergeBuckets(dayOfQuarters.filter((b) => b.ts >= hour && b.ts < hour + T1H.stepMs), T1H.stepMs));
  };

  const compact = db.transaction((work: [number, number][]) => {
    for (const [nodeId, minute] of work) compactMinute(nodeId, minute);
  });

  const writeBatch = db.transaction((samples: readonly StoredSample[]) => {
    const newest = new Map<number, number>();
    for (const s of samples) {
      q.insertHead.run(s.nodeId, s.ts, s.seq, JSON.stringify(s.values));
      if ((newest.get(s.nodeId) ?? 0) < s.ts) newest.set(s.nodeId, s.ts);
    }
    for (const [nodeId, ts] of newest) q.setLastSeen.run(ts, nodeId);
  });

  const removeNode = db.transaction((id: number) => {
    q.deleteNodeHead.run(id);
    q.deleteNodeBlocks.run(id);
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
      pending.delete(row.id);
      return true;
    },
    setKeyHash: (name, keyHash) => q.setKey.run(keyHash, name).changes > 0,
    findNodeByKeyHash(keyHash) {
      const row = q.byKeyHash.get(keyHash);
      return row ? toNode(row) : null;
    },
    setHost: (nodeId, host) => void q.setHost.run(JSON.stringify(host), nodeId),
    writeSamples(samples) {
      writeBatch(samples);
      for (const s of samples) markPending(s.nodeId, floorTo(s.ts, MINUTE));
    },
    latestSamples() {
      const latest = new Map(q.latestHead.all().map((r) => [r.node_id, toSample(r)]));
      for (const node of q.listNodes.all()) {
        if (latest.has(node.id)) continue;
        const block = q.newestBlock.get(node.id, RAW.id);
        const last = block ? decodeBlock(block.data).at(-1) : undefined;
        if (last) latest.set(node.id, { nodeId: node.id, seq: last.seq, ts: last.ts, values: rawFromBlock(last.values) });
      }
      return [...latest.values()];
    },
    samples(nodeId, from, to) {
      const byTs = new Map<number, StoredSample>();
      for (const row of q.blockRange.all(nodeId, RAW.id, floorTo(from, RAW.blockMs), to)) {
        for (const s of decodeBlock(row.data)) {
          if (s.ts >= from && s.ts < to) byTs.set(s.ts, { nodeId, seq: s.seq, ts: s.ts, values: rawFromBlock(s.values) });
        }
      }
      for (const row of q.headRange.all(nodeId, from, to)) if (!byTs.has(row.ts)) byTs.set(row.ts, toSample(row));
      return [...byTs.values()].sort((a, b) => a.ts - b.ts);
    },
    buckets(nodeId, tierName, from, to) {
      const tier = TIERS.find((t) => t.name === tierName)!;
      const out: Bucket[] = [];
      for (const row of q.blockRange.all(nodeId, tier.id, floorTo(from, tier.blockMs), to)) {
        for (const s of decodeBlock(row.data)) if (s.ts >= from && s.ts < to) out.push(bucketFromBlock(s));
      }
      return out;
    },
    compact(now, limit) {
      const closedBefore = floorTo(now - COMPACT_GRACE_MS, MINUTE);
      const work: [number, number][] = [];
      for (const [nodeId, minutes] of pending) {
        for (const minute of minutes) {
          if (minute + MINUTE > closedBefore) continue;
          work.push([nodeId, minute]);
          if (work.length >= limit) break;
        }
        if (work.length >= limit) break;
      }
      if (work.length === 0) return 0;
      work.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      compact(work);
      for (const [nodeId, minute] of work) {
        const set = pending.get(nodeId)!;
        set.delete(minute);
        if (set.size === 0) pending.delete(nodeId);
      }
      return work.length;
    },
    applyRetention(now, retention, limit) {
      let deleted = 0;
      for (const node of q.listNodes.all()) {
        for (const tier of TIERS) {
          if (deleted >= limit) return deleted;
          // A block goes once all of it is older than the tier keeps.
          const expiredBefore = now - retention[tier.name] - tier.blockMs + 1;
          deleted += q.expireBlocks.run(node.id, tier.id, expiredBefore, limit - deleted).changes;
        }
        q.expireHead.run(node.id, now - retention.raw);
      }
      return deleted;
    },
    stats() {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const pages = db.pragma('page_count', { simple: true }) as number;
      return { fileBytes: pageSize * pages, blocks: q.countBlocks.get()!.n, headRows: q.countHead.get()!.n };
    },
    externalChangeMarker: () => db.pragma('data_version', { simple: true }) as number,
    close: () => db.close(),
  };
}
