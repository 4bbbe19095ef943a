/**
 * @module Each node's budget of metric names (`server.metricNamesPerNode`): every distinct name a
 * node stores counts, built-in or custom, for as long as the node exists. Past the budget a sample
 * is stored without its new names. One key sending 200 new names 200 times a second once stalled
 * the server for 16 s and left 125 000 names in the database. Names the protocol does not know
 * (from a hello's list, always absent) are left out of rows here too, and never counted.
 */
import type { ErrorMessage, MetricNamesView } from '../../protocol/messages';
import { log } from '../../util/log';
import { isKnownMetric } from '../../protocol/metrics';
import type { Row } from '../../protocol/row';
import { systemClock } from '../../util/clock';

export const DEFAULT_METRIC_NAMES_PER_NODE = 1000;
/** Refused names remembered per node to show the admin. */
const EXAMPLES = 5;

/** What a sample may store: `row` (the same object when nothing was left out) and the names it uses first. */
export interface Admitted {
  row: Row;
  /** Names this node uses for the first time (to record with the sample), or null. */
  newNames: string[] | null;
  /** Names left out because the budget is spent. */
  refused: number;
  /** This is the node's first sample with names refused since the server started. */
  firstRefusal: boolean;
}

/** How a names array is cut down for one node, worked out once per names array. */
interface Cut {
  names: readonly string[];
  keep: Int32Array;
  refused: number;
}

interface NodeBudget {
  known: Set<string>;
  /** The last names array with nothing to leave out (a connection's hello list: checked once). */
  whole: readonly string[] | null;
  cuts: WeakMap<readonly string[], Cut>;
  refusedSamples: number;
  refusedNames: number;
  lastRefusedAt: number | null;
  examples: string[];
}

export class MetricBudget {
  private readonly nodes = new Map<number, NodeBudget>();

  constructor(
    readonly limit: number,
    /** The names a node has stored so far (read once per node). */
    private readonly stored: (nodeId: number) => readonly string[],
    private readonly now: () => number = systemClock.now,
  ) {}

  private budgetOf(nodeId: number): NodeBudget {
    let b = this.nodes.get(nodeId);
    if (!b) {
      b = {
        known: new Set(this.stored(nodeId)),
        whole: null,
        cuts: new WeakMap(),
        refusedSamples: 0,
        refusedNames: 0,
        lastRefusedAt: null,
        examples: [],
      };
      this.nodes.set(nodeId, b);
    }
    return b;
  }

  /** Checks a sample's names against the node's budget; new ones within it are counted from now on. */
  admit(nodeId: number, row: Row): Admitted {
    const b = this.budgetOf(nodeId);
    if (row.names === b.whole) return { row, newNames: null, refused: 0, firstRefusal: false };
    let cut = b.cuts.get(row.names);
    let newNames: string[] | null = null;
    if (!cut) {
      const keep: number[] = [];
      let refused = 0;
      for (let i = 0; i < row.names.length; i++) {
        const name = row.names[i]!;
        if (b.known.has(name)) keep.push(i);
        else if (!isKnownMetric(name)) continue;
        else if (b.known.size < this.limit) {
          b.known.add(name);
          (newNames ??= []).push(name);
          keep.push(i);
        } else {
          refused++;
          if (b.examples.length < EXAMPLES && !b.examples.includes(name)) b.examples.push(name);
        }
      }
      if (keep.length === row.names.length) {
        b.whole = row.names;
        return { row, newNames, refused: 0, firstRefusal: false };
      }
      // Left-out names stay out for this array: the budget only fills, and unknown names stay unknown.
      cut = { names: keep.map((i) => row.names[i]!), keep: Int32Array.from(keep), refused };
      b.cuts.set(row.names, cut);
    }
    const firstRefusal = cut.refused > 0 && b.refusedSamples === 0;
    if (cut.refused > 0) {
      b.refusedSamples++;
      b.refusedNames += cut.refused;
      b.lastRefusedAt = this.now();
    }
    const data = new Float64Array(cut.keep.length);
    for (let k = 0; k < data.length; k++) data[k] = row.data[cut.keep[k]!]!;
    return { row: { names: cut.names, data }, newNames, refused: cut.refused, firstRefusal };
  }

  status(nodeId: number): MetricNamesView {
    const b = this.budgetOf(nodeId);
    return {
      names: b.known.size,
      limit: this.limit,
      refusedSamples: b.refusedSamples,
      refusedNames: b.refusedNames,
      lastRefusedAt: b.lastRefusedAt,
      examples: [...b.examples],
    };
  }

  /** The node was removed: its names went with it. */
  forget(nodeId: number): void {
    this.nodes.delete(nodeId);
  }
}

/** What the agent is told once its node's budget is spent. */
export function budgetMessage(status: { names: number; limit: number; examples: readonly string[] }): string {
  return (
    `this node has stored ${status.names} metric names, its budget (server.metricNamesPerNode ${status.limit}): ` +
    `samples are stored without names it has not sent before (such as ${status.examples[0]}). ` +
    "Reuse names instead of making new ones, or ask the server's operator for a larger budget"
  );
}

/** A sample lost names to the budget: the agent hears it once per connection, the log once per node. */
export function tellBudget(
  conn: { nodeId: number; name: string; toldBudget: boolean },
  firstForNode: boolean,
  budget: MetricBudget,
  send: (msg: ErrorMessage) => void,
): void {
  if (!firstForNode && conn.toldBudget) return;
  const status = budget.status(conn.nodeId);
  if (firstForNode) {
    log.warn('node has used up its metric names; its samples are stored without new ones', {
      node: conn.name,
      names: status.names,
      limit: status.limit,
      example: status.examples[0],
      code: 'PROBE_ERR_METRIC_BUDGET',
    });
  }
  if (conn.toldBudget) return;
  conn.toldBudget = true;
  send({ type: 'error', code: 'PROBE_ERR_METRIC_BUDGET', message: budgetMessage(status) });
}
