/**
 * @module One node as the hub holds it (its record, its agent's connection, its live values), and
 * what a view of it says apart from those values.
 */
import type { NodeSettings } from '../../config/page';
import type { NodeView } from '../../protocol/messages';
import type { NodeRecord } from '../../store/store';
import type { TrafficReading } from './traffic';

export interface NodeState {
  record: NodeRecord;
  /** Shown online: its agent is connected here or to a cluster peer (or was, less than a handover ago). */
  online: boolean;
  /** Its agent is connected to this server. */
  local: boolean;
  /** Its agent is connected to a cluster peer, which forwards its samples (src/server/cluster). */
  remote: boolean;
  /** While its agent is on no server but may be moving to another: shown online until then (0: not). */
  holdUntil: number;
  lastSeen: number | null;
  sampleTs: number;
  /**
   * The live values as a row: the names of the newest sample's row and a copy of its data,
   * overwritten in place while the names stay the same (a new array per sample would outlive the
   * young generation at 10 000 samples a second and burden the garbage collector).
   */
  names: readonly string[];
  data: Float64Array;
  /** The config file's settings for this node's name, looked up when the name is set. */
  settings: NodeSettings;
  /** How far the node's clock is off (ms to add to its stamps); 0 when in agreement. */
  clockOffsetMs: number;
}

/** What a view says of a node apart from its values. */
export type NodeMeta = Omit<NodeView, 'values'>;

const NO_NAMES: readonly string[] = [];

/** A node the hub has just learnt of: offline, no live values yet. */
export function newNodeState(record: NodeRecord, settings: NodeSettings): NodeState {
  return {
    record,
    online: false,
    local: false,
    remote: false,
    holdUntil: 0,
    lastSeen: record.lastSeen,
    sampleTs: 0,
    names: NO_NAMES,
    data: new Float64Array(0),
    settings,
    clockOffsetMs: 0,
  };
}

/** Whether `next` differs from `prev` in what views show (a new key hash alone does not count). */
export function recordChanged(prev: NodeRecord, next: NodeRecord): boolean {
  return (
    prev.name !== next.name ||
    prev.group !== next.group ||
    prev.location !== next.location ||
    prev.hidden !== next.hidden ||
    prev.position !== next.position
  );
}

/** What a view of the node says apart from its values; the hostname only if `showHostnames`. */
export function nodeMeta(state: NodeState, traffic: TrafficReading, showHostnames: boolean | undefined): NodeMeta {
  const { record } = state;
  const meta: NodeMeta = {
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
    notes: state.settings.notes,
    position: record.position,
  };
  if (showHostnames) meta.hostname = record.host?.hostname ?? '';
  return meta;
}
