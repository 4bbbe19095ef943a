/**
 * @module What the server needs from storage, independent of SQLite: one interface per role
 * (nodes, series, alerts, settings and sessions), `Store` all of them. test/store/contract.ts is
 * what every implementation must do.
 */
import type { HostFacts } from '../protocol/messages';
import type { MetricValues } from '../protocol/metrics';
import type { Row } from '../protocol/row';
import type { Bucket } from './rollup';
import type { Retention, TierName } from './tiers';

export interface NodeRecord {
  id: number;
  name: string;
  group: string;
  location: string;
  keyHash: string;
  createdAt: number;
  host: HostFacts | null;
  lastSeen: number | null;
  isLocal: boolean;
  /** Hidden from guests as set in the admin; null follows the config file (`nodes.<name>.hidden`). */
  hidden: boolean | null;
  /** Place on the page set in the admin (lower first; ties by name). */
  position: number;
}

/** What the admin can change of a node. */
export interface NodeFields {
  name: string;
  group: string;
  location: string;
  hidden: boolean | null;
  position: number;
}

export interface NewNode {
  name: string;
  group: string;
  location: string;
  keyHash: string;
  isLocal?: boolean;
  /** The id to use (a registry in PostgreSQL assigns ids for every server); by default the store picks one. */
  id?: number;
}

export interface StoredSample {
  /** The series' owner: a node's id, or a check's seriesId. */
  nodeId: number;
  seq: number;
  ts: number;
  values: MetricValues;
}

/** A sample to write: its values as a row (protocol/row.ts), as the agent gateway parsed it. */
export interface IncomingSample {
  /** The series' owner: a node's id, or a check's seriesId. */
  nodeId: number;
  seq: number;
  ts: number;
  row: Row;
  /**
   * Names of the row its node never used before (the gateway's metric budget knows them): recorded
   * with the node in the batch's transaction. Names not listed are taken as recorded already.
   */
  newNames?: readonly string[];
}

export interface StoreStats {
  fileBytes: number;
  blocks: number;
  /** Journal rows not trimmed yet. */
  journalRows: number;
  /** Samples acked but not packed into blocks yet (held in memory and in the journal). */
  pendingSamples: number;
}

export interface AlertEventRecord {
  ts: number;
  rule: string;
  nodeId: number;
  state: 'firing' | 'resolved';
  severity: string;
  value: number | null;
  text: string;
  /** Recorded while a silence muted its notification. */
  silenced: boolean;
}

/** An alert firing by the claims of a cluster's servers (pg-cluster.ts): rule, node, and since when. */
export interface ClaimedFiring {
  rule: string;
  nodeId: number;
  since: number;
}

/** One admin change: what, when, from which client address. */
export interface AuditRecord {
  ts: number;
  address: string;
  action: string;
}

/** Audit entries kept (the newest), on a server and in a cluster's shared log. */
export const AUDIT_KEEP = 1000;

/** Alert events a cluster's shared list keeps (the newest; a server's own list is pruned by age). */
export const ALERT_EVENTS_KEEP = 1000;

export interface SessionRecord {
  tokenHash: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

/** A service check as stored: the config file names it, the store gives it an id and a series. */
export interface CheckRecord {
  id: number;
  name: string;
  /** The owner id of its history in SeriesStore (where a node's id goes): CHECK_SERIES_BASE + id. */
  seriesId: number;
  createdAt: number;
}

/** Series ids of checks start here, far above any node id, so the two never share a series. */
export const CHECK_SERIES_BASE = 2 ** 40;

/** Service checks (src/checks), each owning a series in SeriesStore under its `seriesId`. */
export interface CheckStore {
  /**
   * The records of the checks named, added if new, in the order of `names`. Checks not named stay,
   * with their history (until retention), so a check taken out of the file and put back keeps it.
   */
  ensureChecks(names: readonly string[], now: number): CheckRecord[];
  listChecks(): CheckRecord[];
}

/** Nodes and their keys (the CLI and the admin change them; agents authenticate against them). */
export interface NodeStore {
  listNodes(): NodeRecord[];
  /** Throws PROBE_ERR_EXISTS if the name is taken. */
  addNode(node: NewNode, now: number): NodeRecord;
  /**
   * Removes the node, its history, alert states and events, traffic counters and the metric names
   * only it used. False if there was no such node.
   */
  removeNode(name: string): boolean;
  /** False if there was no such node. */
  setKeyHash(name: string, keyHash: string): boolean;
  /** Renames, regroups, relocates, hides or moves a node. Throws PROBE_ERR_EXISTS if the new name is taken; false if no such node. */
  updateNode(id: number, fields: NodeFields): boolean;
  findNodeByKeyHash(keyHash: string): NodeRecord | null;
  setHost(nodeId: number, host: HostFacts): void;
}

/** Samples and their history tiers, with the upkeep that packs and expires them, and each node's traffic counters. */
export interface SeriesStore {
  /**
   * Makes every sample durable in one transaction, with the new names they bring; a (node, ts)
   * already stored is kept and the new one dropped.
   */
  writeSamples(samples: readonly IncomingSample[]): void;
  /** The newest stored sample of every node, to show values right after a restart. */
  latestSamples(): StoredSample[];
  /** Raw samples of one node in [from, to), oldest first; with `names`, only those metrics. */
  samples(nodeId: number, from: number, to: number, names?: readonly string[]): StoredSample[];
  /** Rollup buckets of one node and tier whose start lies in [from, to), oldest first; with `names`, only those metrics. */
  buckets(nodeId: number, tier: Exclude<TierName, 'raw'>, from: number, to: number, names?: readonly string[]): Bucket[];
  /** Every metric name the node has used (what its budget counts). */
  metricNames(nodeId: number): string[];
  /**
   * Upkeep of a database from before names were recorded per node: records up to `limit` rows'
   * worth, then deletes names no node uses. Returns the rows read: 0 once there is nothing to do.
   */
  censusMetricNames(limit: number): number;
  /**
   * Packs raw samples of minutes that closed before `now` into blocks, and rolls closed hours up
   * into the 1m/15m/1h tiers; about `limit` units of work per call, a node-minute one and a
   * node-hour ten (it costs that much more). Returns the units done: `limit` or more means more may be waiting.
   */
  compact(now: number, limit: number): number;
  /** Deletes history older than each tier's retention, at most `limit` blocks. Returns how many. */
  applyRetention(now: number, retention: Retention, limit: number): number;
  stats(): StoreStats;
  /** Persisted traffic counters per node (JSON text, owned by src/server/fleet/traffic.ts). */
  trafficStates(): { nodeId: number; state: string }[];
  /** Stores the traffic counters of several nodes in one write; those of nodes that do not exist are dropped. */
  putTrafficStates(states: readonly { nodeId: number; state: string }[]): void;
}

/** Alert states and the record of alert events (src/alerts owns what they mean). */
export interface AlertStore {
  /** Persisted alert states (JSON text, owned by src/alerts). */
  alertStates(): { rule: string; nodeId: number; state: string }[];
  /** Stores an alert state, or deletes it when `state` is null. */
  putAlertState(rule: string, nodeId: number, state: string | null): void;
  addAlertEvent(event: AlertEventRecord): void;
  /** The newest `limit` events, newest first. */
  alertEvents(limit: number): AlertEventRecord[];
  /** Deletes events older than `before`; returns how many. */
  pruneAlertEvents(before: number): number;
  /** Makes the event list exactly `events` (oldest first): the mirror of a cluster's shared list (pg-shared.ts). */
  replaceAlertEvents(events: readonly AlertEventRecord[]): void;
}

/** Admin settings (silences among them), admin sessions and the audit log of admin changes. */
export interface SettingsStore {
  /** Admin settings (password hash, page switches, silences…) as JSON text by key; null if unset. */
  getSetting(key: string): string | null;
  putSetting(key: string, value: string | null): void;
  putSession(session: SessionRecord): void;
  getSession(tokenHash: string): SessionRecord | null;
  deleteSession(tokenHash: string): void;
  /** Deletes expired sessions (and, with `all`, every session: a new password logs everyone out). */
  pruneSessions(now: number, all?: boolean): void;
  /**
   * A store shared by several servers (store.postgres): reads one session again from the shared
   * database, for a cookie made on another server a moment ago, before its notice arrived here.
   */
  refreshSession?(tokenHash: string): Promise<void>;
  /** A store shared by several servers: waits until the writes made so far are in the shared database. */
  flush?(): Promise<void>;
  /** Records an admin change, keeping only the newest `keep` entries. */
  addAudit(entry: AuditRecord, keep: number): void;
  /** The newest `limit` audit entries, newest first. */
  auditLog(limit: number): AuditRecord[];
  /** Makes the audit log exactly `entries` (oldest first): the mirror of a cluster's shared log (pg-shared.ts). */
  replaceAudit(entries: readonly AuditRecord[]): void;
}

/** A remote-write target's place in the outbox: rows up to afterId are sent; window (afterId, toId] is being sent. */
export interface OutboxCursor {
  afterId: number;
  toId: number;
  /** Requests of the window accepted so far (the window is cut into the same requests again after a restart). */
  requestsDone: number;
}

export interface OutboxBacklog {
  rows: number;
  samples: number;
  /** When the oldest unsent row was stored (Unix ms), or null. */
  oldestAt: number | null;
}

/** The remote-write outbox (outbox.ts): what is stored for the first time, in commit order, until every target sent it. */
export interface OutboxStore {
  /** Whether samples are written to it (a target is configured). */
  readonly enabled: boolean;
  /** Forgets the cursors of other targets (their rows go; all rows without targets) and starts new ones at the newest row. */
  keepTargets(targets: readonly string[]): void;
  cursor(target: string): OutboxCursor;
  /** Saves the cursor and deletes rows every target has sent. */
  saveCursor(target: string, cursor: OutboxCursor): void;
  windowEnd(afterId: number, maxRows: number, maxSamples: number): number;
  /** Samples of at most maxRows rows in (afterId, toId]; returns the last row id read. */
  read(
    afterId: number,
    toId: number,
    maxRows: number,
    onSample: (nodeId: number, ts: number, ids: readonly number[], values: number[]) => void,
  ): number;
  nameOf(id: number): string;
  backlog(afterId: number): OutboxBacklog;
}

/** The database as a whole. */
export interface StoreHandle {
  /** The database's integrity check: an empty list when it is sound. */
  integrityCheck(): string[];
  /** Changes whenever another process commits to the same database (or, in one process, the node list changes). */
  externalChangeMarker(): number;
  close(): void;
}

/** Everything the server keeps; code that needs one part takes that part's interface. */
export type Store = NodeStore & SeriesStore & AlertStore & SettingsStore & CheckStore & StoreHandle;
