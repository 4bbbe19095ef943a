/**
 * @module A Store kept in memory, for unit tests of the code above the store. Rollup tiers are
 * computed on read from the raw samples, so they never lag; retention drops raw samples only.
 * One function per role of store.ts, over one shared state.
 */
import type { MetricValues } from '../protocol/metrics';
import { rowValues } from '../protocol/row';
import { ProbeError } from '../util/errors';
import { mergeBuckets, rollupSamples } from './rollup';
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
  SessionRecord,
  SettingsStore,
  Store,
  StoredSample,
} from './store';
import { TIERS } from './tiers';

interface Memory {
  nodes: Map<number, NodeRecord>;
  checks: CheckRecord[];
  alerts: Map<string, { rule: string; nodeId: number; state: string }>;
  events: AlertEventRecord[];
  traffic: Map<number, string>;
  samples: Map<number, Map<number, StoredSample>>;
  names: Map<number, Set<string>>;
  nextId: number;
  /** Bumped whenever the node list changes (there is no other process to watch). */
  changes: number;
}

function pick(values: MetricValues, only: readonly string[]): MetricValues {
  const out: MetricValues = {};
  for (const name of only) if (values[name] !== undefined) out[name] = values[name]!;
  return out;
}

const exists = (name: string) => new ProbeError('PROBE_ERR_EXISTS', `a node named "${name}" already exists`);

function memoryNodes(m: Memory): NodeStore {
  const byName = (name: string) => [...m.nodes.values()].find((n) => n.name === name);
  return {
    listNodes: () => [...m.nodes.values()].map((n) => ({ ...n })),
    addNode(node, now) {
      if (byName(node.name)) throw exists(node.name);
      const record: NodeRecord = {
        id: node.id ?? m.nextId++,
        name: node.name,
        group: node.group,
        location: node.location,
        keyHash: node.keyHash,
        createdAt: now,
        host: null,
        lastSeen: null,
        isLocal: node.isLocal ?? false,
        hidden: null,
        position: 0,
      };
      m.nodes.set(record.id, record);
      m.nextId = Math.max(m.nextId, record.id + 1);
      m.changes++;
      return { ...record };
    },
    removeNode(name) {
      const node = byName(name);
      if (!node) return false;
      for (const map of [m.nodes, m.samples, m.names, m.traffic]) map.delete(node.id);
      for (const [key, a] of m.alerts) if (a.nodeId === node.id) m.alerts.delete(key);
      m.events = m.events.filter((e) => e.nodeId !== node.id);
      m.changes++;
      return true;
    },
    updateNode(id, f) {
      const node = m.nodes.get(id);
      if (!node) return false;
      const other = byName(f.name);
      if (other && other.id !== id) throw exists(f.name);
      Object.assign(node, f);
      m.changes++;
      return true;
    },
    setKeyHash(name, keyHash) {
      const node = byName(name);
      if (node) node.keyHash = keyHash;
      return node !== undefined;
    },
    findNodeByKeyHash: (keyHash) => [...m.nodes.values()].find((n) => n.keyHash === keyHash) ?? null,
    setHost(nodeId, host) {
      const node = m.nodes.get(nodeId);
      if (node) node.host = host;
    },
  };
}

function memorySeries(m: Memory): SeriesStore {
  const sorted = (nodeId: number) => [...(m.samples.get(nodeId)?.values() ?? [])].sort((a, b) => a.ts - b.ts);
  const only = (s: StoredSample, names?: readonly string[]) => (names ? { ...s, values: pick(s.values, names) } : s);
  return {
    writeSamples(batch) {
      for (const s of batch) {
        if (s.newNames?.length) {
          if (!m.nodes.has(s.nodeId) && !m.checks.some((c) => c.seriesId === s.nodeId)) continue;
          let set = m.names.get(s.nodeId);
          if (!set) m.names.set(s.nodeId, (set = new Set()));
          for (const name of s.newNames) set.add(name);
        }
        let byTs = m.samples.get(s.nodeId);
        if (!byTs) m.samples.set(s.nodeId, (byTs = new Map()));
        if (!byTs.has(s.ts)) byTs.set(s.ts, { nodeId: s.nodeId, seq: s.seq, ts: s.ts, values: rowValues(s.row) });
        const node = m.nodes.get(s.nodeId);
        if (node && s.ts > (node.lastSeen ?? 0)) node.lastSeen = s.ts;
      }
    },
    latestSamples: () => [...m.nodes.keys()].flatMap((id) => sorted(id).at(-1) ?? []),
    samples: (nodeId, from, to, names) =>
      sorted(nodeId)
        .filter((s) => s.ts >= from && s.ts < to)
        .map((s) => only(s, names)),
    buckets(nodeId, tierName, from, to, names) {
      const step = TIERS.find((t) => t.name === tierName)!.stepMs;
      const minutes = rollupSamples(
        sorted(nodeId).map((s) => only(s, names)),
        60_000,
      );
      return (step === 60_000 ? minutes : mergeBuckets(minutes, step)).filter((b) => b.ts >= from && b.ts < to);
    },
    metricNames: (nodeId) => [...(m.names.get(nodeId) ?? [])],
    censusMetricNames: () => 0,
    compact: () => 0,
    applyRetention(now, retention) {
      let deleted = 0;
      for (const byTs of m.samples.values()) {
        for (const ts of byTs.keys()) {
          if (ts >= now - retention.raw) continue;
          byTs.delete(ts);
          deleted++;
        }
      }
      return deleted;
    },
    stats: () => ({ fileBytes: 0, blocks: 0, journalRows: 0, pendingSamples: 0 }),
    trafficStates: () => [...m.traffic].map(([nodeId, state]) => ({ nodeId, state })),
    putTrafficStates(states) {
      for (const s of states) if (m.nodes.has(s.nodeId)) m.traffic.set(s.nodeId, s.state);
    },
  };
}

function memoryAlerts(m: Memory): AlertStore {
  return {
    alertStates: () => [...m.alerts.values()],
    putAlertState(rule, nodeId, state) {
      if (state === null) m.alerts.delete(`${rule}\0${nodeId}`);
      else m.alerts.set(`${rule}\0${nodeId}`, { rule, nodeId, state });
    },
    addAlertEvent: (e) => void m.events.push({ ...e }),
    alertEvents: (limit) =>
      [...m.events]
        .reverse()
        .sort((a, b) => b.ts - a.ts)
        .slice(0, limit),
    pruneAlertEvents(before) {
      const n = m.events.length;
      m.events = m.events.filter((e) => e.ts >= before);
      return n - m.events.length;
    },
    replaceAlertEvents(events) {
      m.events = events.map((e) => ({ ...e }));
    },
  };
}

function memorySettings(): SettingsStore {
  const settings = new Map<string, string>();
  const sessions = new Map<string, SessionRecord>();
  let audit: AuditRecord[] = [];
  return {
    getSetting: (key) => settings.get(key) ?? null,
    putSetting(key, value) {
      if (value === null) settings.delete(key);
      else settings.set(key, value);
    },
    putSession: (x) => void sessions.set(x.tokenHash, { ...x }),
    getSession: (tokenHash) => sessions.get(tokenHash) ?? null,
    deleteSession: (tokenHash) => void sessions.delete(tokenHash),
    pruneSessions(now, all = false) {
      for (const [k, x] of sessions) if (all || x.expiresAt <= now) sessions.delete(k);
    },
    addAudit(entry, keep) {
      audit = [{ ...entry }, ...audit].slice(0, keep);
    },
    auditLog: (limit) => audit.slice(0, limit).map((e) => ({ ...e })),
    replaceAudit(entries) {
      audit = entries.map((e) => ({ ...e })).reverse();
    },
  };
}

function memoryChecks(m: Memory): CheckStore {
  return {
    ensureChecks: (names, now) =>
      names.map((name) => {
        let check = m.checks.find((c) => c.name === name);
        if (!check)
          m.checks.push((check = { id: m.checks.length + 1, name, seriesId: CHECK_SERIES_BASE + m.checks.length + 1, createdAt: now }));
        return { ...check };
      }),
    listChecks: () => m.checks.map((c) => ({ ...c })),
  };
}

export function createMemoryStore(): Store {
  const m: Memory = {
    nodes: new Map(),
    checks: [],
    alerts: new Map(),
    events: [],
    traffic: new Map(),
    samples: new Map(),
    names: new Map(),
    nextId: 1,
    changes: 0,
  };
  return {
    ...memoryNodes(m),
    ...memorySeries(m),
    ...memoryAlerts(m),
    ...memorySettings(),
    ...memoryChecks(m),
    integrityCheck: () => [],
    externalChangeMarker: () => m.changes,
    close: () => undefined,
  };
}
