/**
 * @module The labels of each (node, metric) series as remote write sends them: the name and labels
 * GET /metrics gives it (prom-names.ts) plus node, group and location, encoded once and kept while
 * the node keeps its name, group and location.
 */
import { promSeries } from '../http/prom-names';
import { encodeLabels } from './write-request';

export interface NodeLabels {
  name: string;
  group: string;
  location: string;
}

/** A series to send: its encoded labels and what its values are divided by. */
export interface SeriesLabel {
  labels: Buffer;
  divisor: number;
}

/**
 * Kept copies of small buffers, packed into 64 KiB slabs. A small Buffer is a slice of Node's shared
 * 8 KiB pool, and a slice kept keeps its whole pool alive, with the garbage made beside it: at
 * 400 000 series (10 000 agents) the labels' 35 MB held 195 MB of pools.
 */
export class Slabs {
  private slab = Buffer.allocUnsafeSlow(0);
  private used = 0;

  constructor(private readonly slabBytes = 64 * 1024) {}

  keep(bytes: Buffer): Buffer {
    if (bytes.length > this.slabBytes) return Buffer.from(bytes);
    if (this.used + bytes.length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.used = 0;
    }
    bytes.copy(this.slab, this.used);
    const kept = this.slab.subarray(this.used, this.used + bytes.length);
    this.used += bytes.length;
    return kept;
  }
}

interface NodeEntry {
  key: string;
  byMetric: Map<number, SeriesLabel | null>;
}

export class SeriesLabels {
  private readonly nodes = new Map<number, NodeEntry>();
  private readonly slabs = new Slabs();

  constructor(
    /** A node's name, group and location now; undefined for a node removed since (its samples are not sent). */
    private readonly node: (nodeId: number) => NodeLabels | undefined,
    /** A metric id's name (the store's). */
    private readonly nameOf: (metricId: number) => string,
  ) {}

  /** The node's series labels by metric id, checked against its current name once per call; null for a node gone. */
  forNode(nodeId: number): Map<number, SeriesLabel | null> | null {
    const node = this.node(nodeId);
    if (!node) {
      this.nodes.delete(nodeId);
      return null;
    }
    const key = `${node.name}\n${node.group}\n${node.location}`;
    let entry = this.nodes.get(nodeId);
    if (!entry || entry.key !== key) this.nodes.set(nodeId, (entry = { key, byMetric: new Map() }));
    return entry.byMetric;
  }

  /** The labels of one metric of a node (from forNode's map), made on first use; null for names /metrics does not show. */
  metric(nodeId: number, byMetric: Map<number, SeriesLabel | null>, metricId: number): SeriesLabel | null {
    let label = byMetric.get(metricId);
    if (label !== undefined) return label;
    const node = this.node(nodeId)!;
    const prom = promSeries(this.nameOf(metricId));
    label = prom && {
      labels: this.slabs.keep(
        encodeLabels([['__name__', prom.name], ['node', node.name], ['group', node.group], ['location', node.location], ...prom.labels]),
      ),
      divisor: prom.divisor,
    };
    byMetric.set(metricId, label);
    return label;
  }
}
