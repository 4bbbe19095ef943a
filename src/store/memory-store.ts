/**
 * @module A Store kept in memory, for unit tests of the code above the store. Rollup tiers are
 * computed on read from the raw samples, so they never lag; retention drops raw samples only.
 */
import type { MetricValues } from '../protocol/metrics';
import { rowValues } from '../protocol/row';
import { ProbeError } from '../util/errors';
import { mergeBuckets, rollupSamples } from './rollup';
import type { AlertEventRecord, NewNode, NodeRecord, SessionRecord, Store, StoredSample } from './store';
import { TIERS } from './tiers';

function pick(values: MetricValues, only: readonly string[]): MetricValues {
  const out: MetricValues = {};
  for (const name of only) if (values[name] !== undefined) out[name] = values[name]!;
  return out;
}

export function createMemoryStore(): Store {
  const nodes = new Map<number, NodeRecord>();
  const alerts = new Map<string, { rule: string; nodeId: number; state: string }>();
  const traffic = new Map<number, string>();
  let events: AlertEventRecord[] = [];
  const settings = new Map<string, string>();
  const sessions = new Map<string, SessionRecord>();
  const samples = new Map<number, Map<number, StoredSample>>();
  const names = new Map<number, Set<string>>();
  let nextId = 1;
  let changes = 0;
  const byName = (name: string) => [...nodes.values()].find((n) => n.name === name);
  const sorted = (nodeId: number) => [...(samples.get(nodeId)?.values() ?? [])].sort((a, b) => a.ts - b.ts);

  return {
    listNodes: () => [...nodes.values()].map((n) => ({ ...n })),
    addNode(node: NewNode, now: number) {
      if (byName(node.name)) throw new ProbeError('PROBE_ERR_EXISTS', `a node named "${node.name}" already exists`);
      const record: NodeRecord = { id: nextId++, name: node.name, group: node.group, location: node.location, keyHash: node.keyHash, createdAt: now, host: null, lastSeen: null, isLocal: node.isLocal ?? false, hidden: null, position: 0 };
      nodes.set(record.id, record);
      changes++;
      return { ...record };
    },
    removeNode(name) {
      const node = byName(name);
      if (!node) return false;
      nodes.delete(node.id);
      samples.delete(node.id);
      names.delete(node.id);
      traffic.delete(node.id);
      events = events.filter((e) => e.nodeId !== node.id);
      return true;
    },
    updateNode(id, f) {
      const node = nodes.get(id);
      if (!node) return false;
      const other = byName(f.name);
      if (other && other.id !== id) throw new ProbeError('PROBE_ERR_EXISTS', `a node named "${f.name}" already exists`);
      Object.assign(node, f);
      changes++;
      return true;
    },
    setKeyHash(name, keyHash) {
      const node = byName(name);
      if (node) node.keyHash = keyHash;
      return node !== undefined;
    },
    findNodeByKeyHash: (keyHash) => [...nodes.values()].find((n) => n.keyHash === keyHash) ?? null,
    setHost(nodeId, host) {
      const node = nodes.get(nodeId);
      if (node) node.host = host;
    },
    writeSamples(batch) {
      for (const s of batch) {
        if (s.newNames?.length) {
          if (!nodes.has(s.nodeId)) continue;
          let set = names.get(s.nodeId);
          if (!set) names.set(s.nodeId, (set = new Set()));
          for (const name of s.newNames) set.add(name);
        }
        let byTs = samples.get(s.nodeId);
        if (!byTs) samples.set(s.nodeId, (byTs = new Map()));
        if (!byTs.has(s.ts)) byTs.set(s.ts, { nodeId: s.nodeId, seq: s.seq, ts: s.ts, values: rowValues(s.row) });
        const node = nodes.get(s.nodeId);
        if (node && s.ts > (node.lastSeen ?? 0)) node.lastSeen = s.ts;
      }
    },
    latestSamples: () => [...nodes.keys()].flatMap((id) => sorted(id).at(-1) ?? []),
    samples: (nodeId, from, to, only) => sorted(nodeId).filter((s) => s.ts >= from && s.ts < to).map((s) => (only ? { ...s, values: pick(s.values, only) } : s)),
    buckets(nodeId, tierName, from, to, only) {
      const step = TIERS.find((t) => t.name === tierName)!.stepMs;
      const minutes = rollupSamples(sorted(nodeId).map((s) => (only ? { ...s, values: pick(s.values, only) } : s)), 60_000);
      return (step === 60_000 ? minutes : mergeBuckets(minutes, step)).filter((b) => b.ts >= from && b.ts < to);
    },
    metricNames: (nodeId) => [...(names.get(nodeId) ?? [])],
    censusMetricNames: () => 0,
    compact: () => 0,
    applyRetention(now, retention) {
      let deleted = 0;
      for (const byTs of samples.values()) {
        for (const ts of byTs.keys()) {
          if (ts < now - retention.raw) {
            byTs.delete(ts);
            deleted++;
          }
        }
      }
      return deleted;
    },
    stats: () => ({ fileBytes: 0, blocks: 0, journalRows: 0, pendingSamples: 0 }),
    alertStates: () => [...alerts.values()],
    putAlertState(rule, nodeId, state) {
      if (state === null) alerts.delete(`${rule}\0${nodeId}`);
      else alerts.set(`${rule}\0${nodeId}`, { rule, nodeId, state });
    },
    addAlertEvent: (e) => void events.push({ ...e }),
    alertEvents: (limit) => [...events].reverse().sort((a, b) => b.ts - a.ts).slice(0, limit),
    pruneAlertEvents(before) {
      const n = events.length;
      events = events.filter((e) => e.ts >= before);
      return n - events.length;
    },
    trafficStates: () => [...traffic].map(([nodeId, state]) => ({ nodeId, state })),
    putTrafficStates(states) {
      for (const s of states) if (nodes.has(s.nodeId)) traffic.set(s.nodeId, s.state);
    },
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
    integrityCheck: () => [],
    externalChangeMarker: () => changes,
    close: () => undefined,
  };
}
