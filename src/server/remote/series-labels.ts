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

interface NodeEntry {
  key: string;
  byMetric: Map<number, SeriesLabel | null>;
}

export class SeriesLabels {
  private readonly nodes = new Map<number, NodeEntry>();

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
      labels: encodeLabels([
        ['__name__', prom.name],
        ['node', node.name],
        ['group', node.group],
        ['location', node.location],
        ...prom.labels,
      ]),
      divisor: prom.divisor,
    };
    byMetric.set(metricId, label);
    return label;
  }
}
