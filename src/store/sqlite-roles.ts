/**
 * @module The SQLite Store, one function per role of store.ts (nodes, series, alerts, settings
 * and sessions), over an open database; sqlite-store.ts opens it and puts them together.
 */
import type Database from 'better-sqlite3';
import type { HostFacts } from '../protocol/messages';
import { ProbeError } from '../util/errors';
import type { Series } from './series';
import { CHECK_SERIES_BASE } from './store';
import type {
  AlertEventRecord,
  AlertStore,
  AuditRecord,
  CheckRecord,
  CheckStore,
  NodeRecord,
  NodeStore,
  SeriesStore,
  SettingsStore,
} from './store';

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

export function sqliteNodes(db: Database.Database, series: Series): NodeStore {
  const q = {
    listNodes: db.prepare<[], NodeRow>('SELECT * FROM nodes ORDER BY id'),
    byName: db.prepare<[string], NodeRow>('SELECT * FROM nodes WHERE name = ?'),
    byKeyHash: db.prepare<[string], NodeRow>('SELECT * FROM nodes WHERE key_hash = ?'),
    insertNode: db.prepare('INSERT INTO nodes (id, name, grp, location, key_hash, created_at, is_local) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    setKey: db.prepare('UPDATE nodes SET key_hash = ? WHERE name = ?'),
    updateNode: db.prepare('UPDATE nodes SET name = ?, grp = ?, location = ?, hidden = ?, position = ? WHERE id = ?'),
    setHost: db.prepare('UPDATE nodes SET host = ? WHERE id = ?'),
  };
  const deletes = ['alert_state', 'traffic', 'alert_events'].map((table) => db.prepare(`DELETE FROM ${table} WHERE node_id = ?`));
  const deleteNode = db.prepare('DELETE FROM nodes WHERE id = ?');
  const removeNode = db.transaction((id: number) => {
    series.removeNode(id);
    for (const d of deletes) d.run(id);
    deleteNode.run(id);
  }).immediate;
  return {
    listNodes: () =>
      q.listNodes.all().map((row) => {
        const node = toNode(row);
        const pending = series.newestPending(node.id);
        if (pending > (node.lastSeen ?? 0)) node.lastSeen = pending;
        return node;
      }),
    addNode(node, now) {
      if (q.byName.get(node.name))
        throw new ProbeError('PROBE_ERR_EXISTS', `a node named "${node.name}" already exists: pick another name or remove it first`);
      q.insertNode.run(node.id ?? null, node.name, node.group, node.location, node.keyHash, now, node.isLocal ? 1 : 0);
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
  };
}

export function sqliteSeries(db: Database.Database, series: Series): SeriesStore {
  const listIds = db.prepare<[], { id: number }>('SELECT id FROM nodes ORDER BY id');
  const trafficStates = db.prepare<[], { node_id: number; state: string }>('SELECT node_id, state FROM traffic');
  const putTraffic = db.prepare(
    'INSERT OR REPLACE INTO traffic (node_id, state) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM nodes WHERE id = ?)',
  );
  // New metric names are recorded in the same transaction as the batch's journal row.
  // IMMEDIATE, as every write transaction here: one that reads first (a node's names, a packed
  // minute) and then writes would fail at once with SQLITE_BUSY if another connection (the
  // remote-write thread saving its cursor) committed in between; taking the write lock first, it
  // waits for that connection instead (busy_timeout).
  const writeSamples = db.transaction((samples: Parameters<SeriesStore['writeSamples']>[0]) => series.write(samples)).immediate;
  const putTrafficStates = db.transaction((states: readonly { nodeId: number; state: string }[]) => {
    for (const s of states) putTraffic.run(s.nodeId, s.state, s.nodeId);
  }).immediate;
  return {
    writeSamples: (samples) => writeSamples(samples),
    latestSamples: () => listIds.all().flatMap((n) => series.latest(n.id) ?? []),
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
    trafficStates: () => trafficStates.all().map((r) => ({ nodeId: r.node_id, state: r.state })),
    putTrafficStates: (states) => putTrafficStates(states),
  };
}

interface EventRow {
  ts: number;
  rule: string;
  node_id: number;
  state: string;
  severity: string;
  value: number | null;
  text: string;
  silenced: number;
}

export function sqliteAlerts(db: Database.Database): AlertStore {
  const q = {
    alertStates: db.prepare<[], { rule: string; node_id: number; state: string }>('SELECT rule, node_id, state FROM alert_state'),
    putAlert: db.prepare('INSERT OR REPLACE INTO alert_state (rule, node_id, state) VALUES (?, ?, ?)'),
    deleteAlert: db.prepare('DELETE FROM alert_state WHERE rule = ? AND node_id = ?'),
    addEvent: db.prepare(
      'INSERT INTO alert_events (ts, rule, node_id, state, severity, value, text, silenced) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    events: db.prepare<[number], EventRow>(
      'SELECT ts, rule, node_id, state, severity, value, text, silenced FROM alert_events ORDER BY ts DESC, id DESC LIMIT ?',
    ),
    pruneEvents: db.prepare('DELETE FROM alert_events WHERE ts < ?'),
    clearEvents: db.prepare('DELETE FROM alert_events'),
  };
  const addEvent = (e: AlertEventRecord) =>
    void q.addEvent.run(e.ts, e.rule, e.nodeId, e.state, e.severity, e.value, e.text, e.silenced ? 1 : 0);
  return {
    alertStates: () => q.alertStates.all().map((r) => ({ rule: r.rule, nodeId: r.node_id, state: r.state })),
    putAlertState(rule, nodeId, state) {
      if (state === null) q.deleteAlert.run(rule, nodeId);
      else q.putAlert.run(rule, nodeId, state);
    },
    addAlertEvent: addEvent,
    alertEvents: (limit) =>
      q.events.all(limit).map((r) => ({
        ts: r.ts,
        rule: r.rule,
        nodeId: r.node_id,
        state: r.state as 'firing' | 'resolved',
        severity: r.severity,
        value: r.value,
        text: r.text,
        silenced: r.silenced === 1,
      })),
    pruneAlertEvents: (before) => q.pruneEvents.run(before).changes,
    replaceAlertEvents: db.transaction((events: readonly AlertEventRecord[]) => {
      q.clearEvents.run();
      for (const e of events) addEvent(e);
    }).immediate,
  };
}

export function sqliteSettings(db: Database.Database): SettingsStore {
  const q = {
    getSetting: db.prepare<[string], { value: string }>('SELECT value FROM admin_settings WHERE key = ?'),
    putSetting: db.prepare('INSERT OR REPLACE INTO admin_settings (key, value) VALUES (?, ?)'),
    deleteSetting: db.prepare('DELETE FROM admin_settings WHERE key = ?'),
    putSession: db.prepare('INSERT OR REPLACE INTO sessions (token_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)'),
    getSession: db.prepare<[string], { token_hash: string; csrf: string; created_at: number; expires_at: number }>(
      'SELECT * FROM sessions WHERE token_hash = ?',
    ),
    deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
    pruneSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR ? = 1'),
    addAudit: db.prepare('INSERT INTO audit_log (ts, address, action) VALUES (?, ?, ?)'),
    trimAudit: db.prepare('DELETE FROM audit_log WHERE id <= (SELECT max(id) FROM audit_log) - ?'),
    audit: db.prepare<[number], AuditRecord>('SELECT ts, address, action FROM audit_log ORDER BY id DESC LIMIT ?'),
    clearAudit: db.prepare('DELETE FROM audit_log'),
  };
  return {
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
    addAudit: db.transaction((entry: AuditRecord, keep: number) => {
      q.addAudit.run(entry.ts, entry.address, entry.action);
      q.trimAudit.run(keep);
    }).immediate,
    auditLog: (limit) => q.audit.all(limit),
    replaceAudit: db.transaction((entries: readonly AuditRecord[]) => {
      q.clearAudit.run();
      for (const e of entries) q.addAudit.run(e.ts, e.address, e.action);
    }).immediate,
  };
}

export function sqliteChecks(db: Database.Database): CheckStore {
  type CheckRow = { id: number; name: string; series_id: number; created_at: number };
  const toCheck = (r: CheckRow): CheckRecord => ({ id: r.id, name: r.name, seriesId: r.series_id, createdAt: r.created_at });
  const q = {
    list: db.prepare<[], CheckRow>('SELECT * FROM checks ORDER BY id'),
    byName: db.prepare<[string], CheckRow>('SELECT * FROM checks WHERE name = ?'),
    add: db.prepare(
      'INSERT INTO checks (id, name, series_id, created_at) ' +
        'SELECT coalesce(max(id), 0) + 1, ?, coalesce(max(id), 0) + 1 + ?, ? FROM checks',
    ),
  };
  const ensure = db.transaction((names: readonly string[], now: number) =>
    names.map((name) => {
      let row = q.byName.get(name);
      if (!row) {
        q.add.run(name, CHECK_SERIES_BASE, now);
        row = q.byName.get(name)!;
      }
      return toCheck(row);
    }),
  ).immediate;
  return {
    ensureChecks: (names, now) => ensure(names, now),
    listChecks: () => q.list.all().map(toCheck),
  };
}
