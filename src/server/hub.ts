/**
 * @module The latest state of every node, in memory: what the page and /api/nodes show.
 * Fed by the agent gateway, read by the live gateway; knows nothing of sockets or SQL.
 */
import type { HostFacts, NodeView } from '../protocol/messages';
import type { MetricValues } from '../protocol/metrics';
import type { NodeRecord } from '../store/store';
import type { NodeSettings } from '../config/page';
import { DEFAULT_NODE_SETTINGS } from '../config/page';
import { TrafficMeter } from './traffic';

interface NodeState {
  record: NodeRecord;
  online: boolean;
  lastSeen: number | null;
  sampleTs: number;
  /** The live values, updated in place: a view hands out this record, to be read at once, not kept. */
  values: MetricValues;
}

export interface HubOptions {
  /** Public notes, hiding and traffic reset day by node name (config `nodes`). */
  settings?: Record<string, NodeSettings>;
  /** Put hostnames into node views (config page.showHostnames). */
  showHostnames?: boolean;
  now?: () => number;
}

/** Who is looking: a guest never sees hidden nodes. */
export type Audience = 'guest' | 'admin';

export type HubListener = (event: { changed: number[] } | { removed: number[] }) => void;

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
    const name = this.nodes.get(id)?.record.name;
    return (name !== undefined && this.options.settings?.[name]) || DEFAULT_NODE_SETTINGS;
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

  private emit(event: { changed: number[] } | { removed: number[] }): void {
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
        this.nodes.set(record.id, { record, online: false, lastSeen: record.lastSeen, sampleTs: 0, values: {} });
        changed.push(record.id);
      } else if (
        state.record.name !== record.name ||
        state.record.group !== record.group ||
        state.record.location !== record.location ||
        state.record.hidden !== record.hidden ||
        state.record.position !== record.position
      ) {
        state.record = { ...record, host: state.record.host ?? record.host };
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

  /** Restores values after a restart, so the page is not blank until agents report. */
  restore(nodeId: number, ts: number, values: MetricValues): void {
    const state = this.nodes.get(nodeId);
    if (state && ts > state.sampleTs) Object.assign(state, { sampleTs: ts, values: { ...values }, lastSeen: ts });
  }

  setHost(nodeId: number, host: HostFacts): void {
    const state = this.nodes.get(nodeId);
    if (!state) return;
    state.record = { ...state.record, host };
    this.emit({ changed: [nodeId] });
  }

  setOnline(nodeId: number, online: boolean): void {
    const state = this.nodes.get(nodeId);
    if (!state || state.online === online) return;
    state.online = online;
    this.emit({ changed: [nodeId] });
  }

  /**
   * A sample arrived. Older samples (backfill) are stored but do not replace the live values.
   * Returns whether this sample is now the node's live state.
   */
  sample(nodeId: number, ts: number, values: MetricValues): boolean {
    const state = this.nodes.get(nodeId);
    if (!state || ts <= state.sampleTs) return false;
    state.sampleTs = ts;
    state.lastSeen = ts;
    // Overwritten in place, not replaced: a record kept for a second at 10 000 samples a second
    // outlives the young generation, and the garbage collector then has far more to do.
    const current = state.values;
    for (const name in current) if (!(name in values)) delete current[name];
    for (const name in values) current[name] = values[name]!;
    this.traffic.add(nodeId, ts, values.netRxBytesTotal, values.netTxBytesTotal);
    this.emit({ changed: [nodeId] });
    return true;
  }

  view(id: number): NodeView | null {
    const state = this.nodes.get(id);
    if (!state) return null;
    const { record } = state;
    const traffic = this.traffic.read(id, this.now());
    const view: NodeView = {
      id: record.id,
      name: record.name,
      group: record.group,
      location: record.location,
      online: state.online,
      lastSeen: state.lastSeen,
      os: record.host?.os ?? '',
      arch: record.host?.arch ?? '',
      cores: record.host?.cores ?? 0,
      monthRxBytes: traffic.rxBytes,
      monthTxBytes: traffic.txBytes,
      periodStart: traffic.periodStart,
      notes: this.settings(id).notes,
      position: record.position,
      values: state.values,
    };
    if (this.options.showHostnames) view.hostname = record.host?.hostname ?? '';
    return view;
  }

  /** Every node `audience` may see, in the admin's order (then by name). */
  views(audience: Audience): NodeView[] {
    return [...this.nodes.keys()]
      .filter((id) => this.visibleTo(id, audience))
      .map((id) => this.view(id)!)
      .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
  }
}
