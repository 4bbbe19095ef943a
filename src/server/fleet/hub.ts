/**
 * @module The latest state of every node, in memory: what the page and /api/nodes show.
 * Fed by the agent gateway, read by the live gateway; knows nothing of sockets or SQL.
 */
import type { HostFacts, NodeView } from '../../protocol/messages';
import type { MetricValues } from '../../protocol/metrics';
import { rowValues, valuesRow } from '../../protocol/row';
import type { Row } from '../../protocol/row';
import type { NodeRecord } from '../../store/store';
import type { NodeSettings } from '../../config/page';
import { DEFAULT_NODE_SETTINGS } from '../../config/page';
import { newNodeState, nodeMeta, recordChanged } from './node-state';
import type { NodeMeta, NodeState } from './node-state';
import { TrafficMeter, trafficColumns, valueAt } from './traffic';

/**
 * How far ahead of the server clock a sample's time counts for being the newest. A sample further
 * ahead still becomes the live values (a node whose clock runs fast still shows), but as if taken
 * this far ahead: one sample 5 minutes ahead (a bad timestamp, a clock NTP then set back) kept every
 * later one off the page for 5 minutes, since only newer samples replace the live values.
 */
export const LIVE_LEAD_MS = 5000;

/** A node's live values as the hub holds them: read at once, not kept (overwritten by the next sample). */
export interface LatestRow extends Row {
  readonly data: Float64Array;
}

/** A node's labels, state and live row (names and values, NaN for none): what GET /metrics shows of it. */
export interface LiveNode {
  name: string;
  group: string;
  location: string;
  online: boolean;
  lastSeen: number | null;
  names: readonly string[];
  data: Float64Array;
}

export interface HubOptions {
  /** Public notes, hiding and traffic reset day by node name (config `nodes`). */
  settings?: Record<string, NodeSettings>;
  /** Put hostnames into node views (config page.showHostnames). */
  showHostnames?: boolean;
  now?: () => number;
  /**
   * In a cluster: how long a node whose agent left stays shown online, so an agent moving to
   * another server does not blink offline on pages (0, alone: offline at once).
   */
  handoverMs?: number;
}

/** Who is looking: a guest never sees hidden nodes. */
export type Audience = 'guest' | 'admin';

/** `changed`: anything about these nodes; `sampled`: only the live values and lastSeen of this one. */
export type HubEvent = { changed: number[] } | { removed: number[] } | { sampled: number };
export type HubListener = (event: HubEvent) => void;

export class Hub {
  private readonly nodes = new Map<number, NodeState>();
  private readonly listeners = new Set<HubListener>();
  readonly traffic: TrafficMeter;
  private readonly now: () => number;

  constructor(
    records: readonly NodeRecord[] = [],
    private readonly options: HubOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.traffic = new TrafficMeter((id) => this.settings(id).trafficResetDay);
    this.sync(records);
  }

  private settings(id: number): NodeSettings {
    return this.nodes.get(id)?.settings ?? DEFAULT_NODE_SETTINGS;
  }

  private settingsFor(name: string): NodeSettings {
    return (Object.hasOwn(this.options.settings ?? {}, name) && this.options.settings?.[name]) || DEFAULT_NODE_SETTINGS;
  }

  /** New per-node settings by name (the admin changed a node's notes): every node takes its own, pages are told. */
  setSettings(settings: Record<string, NodeSettings>): void {
    this.options.settings = settings;
    const changed = [...this.nodes]
      .filter(([, state]) => state.settings !== (state.settings = this.settingsFor(state.record.name)))
      .map(([id]) => id);
    if (changed.length) this.emit({ changed });
  }

  /** The admin's choice if it made one, else the config file's. */
  isHidden(id: number): boolean {
    return this.nodes.get(id)?.record.hidden ?? this.settings(id).hidden;
  }

  /** Whether `audience` may see node `id` at all. */
  visibleTo(id: number, audience: Audience): boolean {
    return this.nodes.has(id) && (audience === 'admin' || !this.isHidden(id));
  }

  subscribe(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: HubEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Brings the node list in line with the store (nodes added or removed by the CLI). Returns removed ids. */
  sync(records: readonly NodeRecord[]): number[] {
    const seen = new Set<number>();
    const changed: number[] = [];
    for (const record of records) {
      seen.add(record.id);
      const state = this.nodes.get(record.id);
      if (!state) {
        this.nodes.set(record.id, newNodeState(record, this.settingsFor(record.name)));
        changed.push(record.id);
      } else if (recordChanged(state.record, record)) {
        state.record = { ...record, host: state.record.host ?? record.host };
        state.settings = this.settingsFor(record.name);
        changed.push(record.id);
      } else {
        state.record.keyHash = record.keyHash;
      }
    }
    const removed = [...this.nodes.keys()].filter((id) => !seen.has(id));
    for (const id of removed) {
      this.nodes.delete(id);
      this.traffic.forget(id);
    }
    if (changed.length) this.emit({ changed });
    if (removed.length) this.emit({ removed });
    return removed;
  }

  get(id: number): NodeRecord | undefined {
    return this.nodes.get(id)?.record;
  }

  /** Every node's id, in no particular order. */
  ids(): number[] {
    return [...this.nodes.keys()];
  }

  /** A sample's time as it counts for being the newest: no later than LIVE_LEAD_MS ahead of the server clock. */
  private liveTs(ts: number): number {
    return Math.min(ts, this.now() + LIVE_LEAD_MS);
  }

  /** Restores values after a restart, so the page is not blank until agents report. */
  restore(nodeId: number, sampleTs: number, values: MetricValues): void {
    const state = this.nodes.get(nodeId);
    const ts = this.liveTs(sampleTs);
    if (!state || ts <= state.sampleTs) return;
    const row = valuesRow(values);
    Object.assign(state, { sampleTs: ts, lastSeen: ts, names: row.names, data: Float64Array.from(row.data) });
  }

  setHost(nodeId: number, host: HostFacts): void {
    const state = this.nodes.get(nodeId);
    if (!state) return;
    state.record = { ...state.record, host };
    this.emit({ changed: [nodeId] });
  }

  /** The node's clock offset as applied to its samples (agents/clock-offset.ts moves it by a second or more at a time). */
  setClockOffset(nodeId: number, offsetMs: number): void {
    const state = this.nodes.get(nodeId);
    if (!state || state.clockOffsetMs === offsetMs) return;
    state.clockOffsetMs = offsetMs;
    this.emit({ changed: [nodeId] });
  }

  /** Every node's clock offset that is not 0, by node id. */
  clockOffsets(): Record<number, number> {
    const out: Record<number, number> = {};
    for (const [id, state] of this.nodes) if (state.clockOffsetMs !== 0) out[id] = state.clockOffsetMs;
    return out;
  }

  /** How far the node's clock is off, in ms (0 when in agreement or unknown). */
  clockOffset(nodeId: number): number {
    return this.nodes.get(nodeId)?.clockOffsetMs ?? 0;
  }

  /** Whether the node's agent is connected to this server. */
  setOnline(nodeId: number, online: boolean): void {
    const state = this.nodes.get(nodeId);
    if (!state || state.local === online) return;
    state.local = online;
    this.present(nodeId, state);
  }

  /** Whether a cluster peer says the node's agent is connected there. */
  setRemote(nodeId: number, online: boolean): void {
    const state = this.nodes.get(nodeId);
    if (!state || state.remote === online) return;
    state.remote = online;
    this.present(nodeId, state);
  }

  /** Whether the node's agent is connected to this server (the samples a cluster peer may forward). */
  isLocal(id: number): boolean {
    return this.nodes.get(id)?.local ?? false;
  }

  /** Shows the node online or not from where its agent is; a node going offline waits a handover first. */
  private present(id: number, state: NodeState): void {
    const up = state.local || state.remote;
    if (up) state.holdUntil = 0;
    else if (state.online && this.options.handoverMs) {
      state.holdUntil ||= this.now() + this.options.handoverMs;
      return;
    }
    if (state.online === up) return;
    state.online = up;
    this.emit({ changed: [id] });
  }

  /** Ends the handovers that ran out: those nodes' agents went to no other server. */
  settle(): void {
    const now = this.now();
    const changed: number[] = [];
    for (const [id, state] of this.nodes) {
      if (state.holdUntil === 0 || state.holdUntil > now) continue;
      state.holdUntil = 0;
      state.online = false;
      changed.push(id);
    }
    if (changed.length) this.emit({ changed });
  }

  /** Each node whose agent is connected here, with its live values and their time. */
  forEachLocal(visit: (id: number, node: Readonly<NodeState>) => void): void {
    for (const [id, state] of this.nodes) if (state.local) visit(id, state);
  }

  /**
   * A sample a cluster peer forwarded: the live values unless the node's agent is here (this
   * server's own samples win). Not stored and not judged by alert rules: the peer does that.
   */
  remoteSample(nodeId: number, ts: number, row: Row): boolean {
    return !this.isLocal(nodeId) && this.sample(nodeId, ts, row);
  }

  /**
   * A sample arrived. Older samples (backfill) are stored but do not replace the live values.
   * Returns whether this sample is now the node's live state.
   */
  sample(nodeId: number, ts: number, row: Row): boolean {
    const state = this.nodes.get(nodeId);
    const live = this.liveTs(ts);
    if (!state || live <= state.sampleTs) return false;
    state.sampleTs = live;
    state.lastSeen = live;
    if (state.names !== row.names || state.data.length !== row.names.length) {
      state.names = row.names;
      state.data = new Float64Array(row.names.length);
    }
    const { data } = state;
    for (let i = 0; i < data.length; i++) data[i] = row.data[i]!;
    const traffic = trafficColumns(row.names);
    // The same time for the traffic count, which likewise only counts samples newer than its last.
    this.traffic.add(nodeId, live, valueAt(data, traffic.rx), valueAt(data, traffic.tx));
    this.emit({ sampled: nodeId });
    return true;
  }

  /** The node's live values (see LatestRow), or null for an unknown node. */
  latest(id: number): LatestRow | null {
    const state = this.nodes.get(id);
    return state ? { names: state.names, data: state.data } : null;
  }

  /** What a view of the node says apart from its values, or null for an unknown node. */
  meta(id: number): NodeMeta | null {
    const state = this.nodes.get(id);
    return state ? nodeMeta(state, this.traffic.read(id, this.now()), this.options.showHostnames) : null;
  }

  view(id: number): NodeView | null {
    const meta = this.meta(id);
    const state = this.nodes.get(id);
    return meta && state ? { ...meta, values: rowValues(state) } : null;
  }

  /** How many nodes `audience` may see, and how many of those have their agent connected. */
  counts(audience: Audience): { nodes: number; online: number } {
    let nodes = 0;
    let online = 0;
    for (const [id, state] of this.nodes) {
      if (!this.visibleTo(id, audience)) continue;
      nodes++;
      if (state.online) online++;
    }
    return { nodes, online };
  }

  /**
   * Every node `audience` may see with its live row, in the admin's order (then by name), without a
   * view's copy of the values: what GET /metrics shows of 10 000 nodes.
   */
  liveNodes(audience: Audience): LiveNode[] {
    const states: NodeState[] = [];
    for (const [id, state] of this.nodes) if (this.visibleTo(id, audience)) states.push(state);
    states.sort((a, b) => a.record.position - b.record.position || a.record.name.localeCompare(b.record.name));
    return states.map(({ record, online, lastSeen, names, data }) => {
      const { name, group, location } = record;
      return { name, group, location, online, lastSeen, names, data };
    });
  }

  /** Every node `audience` may see, in the admin's order (then by name). */
  views(audience: Audience): NodeView[] {
    return [...this.nodes.keys()]
      .filter((id) => this.visibleTo(id, audience))
      .map((id) => this.view(id)!)
      .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
  }
}
