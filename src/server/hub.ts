/**
 * @module The latest state of every node, in memory: what the page and /api/nodes show.
 * Fed by the agent gateway, read by the live gateway; knows nothing of sockets or SQL.
 */
import type { HostFacts, NodeView } from '../protocol/messages';
import type { MetricValues } from '../protocol/metrics';
import type { NodeRecord } from '../store/store';

interface NodeState {
  record: NodeRecord;
  online: boolean;
  lastSeen: number | null;
  sampleTs: number;
  values: MetricValues;
}

export type HubListener = (event: { changed: number[] } | { removed: number[] }) => void;

export class Hub {
  private readonly nodes = new Map<number, NodeState>();
  private readonly listeners = new Set<HubListener>();

  constructor(records: readonly NodeRecord[] = []) {
    this.sync(records);
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
      } else if (state.record.name !== record.name || state.record.group !== record.group || state.record.location !== record.location) {
        state.record = { ...record, host: state.record.host ?? record.host };
        changed.push(record.id);
      } else {
        state.record.keyHash = record.keyHash;
      }
    }
    const removed = [...this.nodes.keys()].filter((id) => !seen.has(id));
    for (const id of removed) this.nodes.delete(id);
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
    if (state && ts > state.sampleTs) Object.assign(state, { sampleTs: ts, values, lastSeen: ts });
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
    state.values = values;
    state.lastSeen = ts;
    this.emit({ changed: [nodeId] });
    return true;
  }

  view(id: number): NodeView | null {
    const state = this.nodes.get(id);
    if (!state) return null;
    const { record } = state;
    return {
      id: record.id,
      name: record.name,
      group: record.group,
      location: record.location,
      online: state.online,
      lastSeen: state.lastSeen,
      os: record.host?.os ?? '',
      arch: record.host?.arch ?? '',
      cores: record.host?.cores ?? 0,
      values: state.values,
    };
  }

  views(): NodeView[] {
    return [...this.nodes.keys()].map((id) => this.view(id)!);
  }
}
