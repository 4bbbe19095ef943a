/**
 * @module One window of the outbox as remote-write requests: its samples grouped by series (so a
 * series' labels go once per request, not once per value), then cut into requests of about
 * `maxRequestBytes` before compression. The same rows always give the same requests in the same
 * order, so a restart can skip those already accepted.
 */
import type { OutboxStore } from '../../store/store';
import type { SeriesLabel, SeriesLabels } from './series-labels';
import { snappyCompress } from './snappy';
import { WriteRequestWriter } from './write-request';

/** Rows read between two yields to the event loop (each ~50 ms of ingest). */
const ROWS_PER_SLICE = 20;

/** Gives the event loop a turn (ingest flushes and acks go on while a large window is read). */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface WindowRequest {
  /** The request body, snappy-compressed. */
  body: Buffer;
  /** Prometheus samples in it. */
  values: number;
}

/** A node's series in a window by metric id (-1: not sent), and for the metric list it sent last, each column's. */
interface NodeSeries {
  byMetric: Map<number, number>;
  lastIds: readonly number[];
  columns: number[];
}

const sameIds = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((id, i) => id === b[i]);

function grow<T extends Float64Array | Int32Array>(a: T, n: number, make: (n: number) => T): T {
  if (n <= a.length) return a;
  const bigger = make(Math.max(n, a.length * 2));
  bigger.set(a);
  return bigger;
}

/**
 * A window's values grouped by series without an object or array per series (at 10 000 agents a
 * window holds ~400 000 series): read into flat typed arrays in arrival order, then ordered series
 * by series with a counting sort of their indexes (4 bytes a value, where sorted copies of the
 * stamps and values took 16: at 3.9 million values, 47 MB less). The arrays are kept from window
 * to window.
 */
export class WindowSeries {
  private seriesOf = new Int32Array(1 << 16);
  private ts = new Float64Array(1 << 16);
  private values = new Float64Array(1 << 16);
  /** Indexes into ts and values, series by series, each series oldest first. */
  private order = new Int32Array(0);
  private n = 0;
  private labels: SeriesLabel[] = [];
  private lastTs: number[] = [];
  private disordered: boolean[] = [];

  /** The series of a new label, by its number. */
  private addSeries(label: SeriesLabel): number {
    this.labels.push(label);
    this.lastTs.push(Number.NEGATIVE_INFINITY);
    this.disordered.push(false);
    return this.labels.length - 1;
  }

  private add(series: number, ts: number, value: number): void {
    if (this.n === this.ts.length) {
      this.seriesOf = grow(this.seriesOf, this.n + 1, (n) => new Int32Array(n));
      this.ts = grow(this.ts, this.n + 1, (n) => new Float64Array(n));
      this.values = grow(this.values, this.n + 1, (n) => new Float64Array(n));
    }
    this.seriesOf[this.n] = series;
    this.ts[this.n] = ts;
    this.values[this.n++] = value / this.labels[series]!.divisor;
    if (ts < this.lastTs[series]!) this.disordered[series] = true;
    this.lastTs[series] = ts;
  }

  /** Reads rows (afterId, toId] into series, a slice of rows at a time. */
  async read(outbox: OutboxStore, afterId: number, toId: number, labels: SeriesLabels): Promise<void> {
    this.n = 0;
    this.labels = [];
    this.lastTs = [];
    this.disordered = [];
    const byNode = new Map<number, NodeSeries | null>();
    const columnsOf = (nodeId: number, node: NodeSeries, ids: readonly number[]) => {
      const labelsByMetric = labels.forNode(nodeId)!;
      return ids.map((id) => {
        let series = node.byMetric.get(id);
        if (series === undefined) {
          const label = labels.metric(nodeId, labelsByMetric, id);
          node.byMetric.set(id, (series = label ? this.addSeries(label) : -1));
        }
        return series;
      });
    };
    const onSample = (nodeId: number, ts: number, ids: readonly number[], values: number[]) => {
      let node = byNode.get(nodeId);
      if (node === undefined) {
        node = labels.forNode(nodeId) ? { byMetric: new Map(), lastIds: [], columns: [] } : null;
        byNode.set(nodeId, node);
      }
      if (!node) return;
      // A node sends the same metrics sample after sample: its columns are looked up when they change.
      if (ids !== node.lastIds && !sameIds(ids, node.lastIds)) node.columns = columnsOf(nodeId, node, ids);
      node.lastIds = ids;
      const { columns } = node;
      for (let i = 0; i < columns.length; i++) {
        const value = values[i]!;
        if (columns[i]! >= 0 && !Number.isNaN(value)) this.add(columns[i]!, ts, value);
      }
    };
    for (let at = afterId; at < toId; ) {
      const last = outbox.read(at, toId, ROWS_PER_SLICE, onSample);
      if (last === at) break;
      at = last;
      await yieldToLoop();
    }
  }

  /**
   * Orders the values series by series (arrival order within each, oldest first where backfill came
   * after newer ones); returns each series' start in `order`.
   */
  private place(): Int32Array {
    const count = this.labels.length;
    const starts = new Int32Array(count + 1);
    for (let i = 0; i < this.n; i++) starts[this.seriesOf[i]! + 1]!++;
    for (let s = 0; s < count; s++) starts[s + 1]! += starts[s]!;
    if (this.order.length < this.n) this.order = new Int32Array(this.ts.length);
    const next = starts.slice(0, count);
    for (let i = 0; i < this.n; i++) this.order[next[this.seriesOf[i]!]!++] = i;
    for (let s = 0; s < count; s++) if (this.disordered[s]) this.sortSeries(starts[s]!, starts[s + 1]!);
    return starts;
  }

  private sortSeries(from: number, to: number): void {
    const { ts } = this;
    // A stable sort by stamp: values of one stamp keep their arrival order.
    const sorted = Array.from(this.order.subarray(from, to)).sort((a, b) => ts[a]! - ts[b]! || a - b);
    this.order.set(sorted, from);
  }

  /** The window's requests in order; the first `skip` (accepted before a restart) are only counted, not compressed. */
  async *requests(maxRequestBytes: number, skip: number): AsyncGenerator<WindowRequest> {
    const starts = this.place();
    const writer = new WriteRequestWriter();
    let made = 0;
    const cut = (): WindowRequest | null => {
      const request = made++ < skip ? null : { body: snappyCompress(writer.bytes()), values: writer.values };
      writer.reset();
      return request;
    };
    for (let s = 0; s < this.labels.length; s++) {
      writer.addSeries(this.labels[s]!.labels, this.ts, this.values, this.order, starts[s]!, starts[s + 1]! - starts[s]!);
      if (writer.length >= maxRequestBytes) {
        const request = cut();
        if (request) yield request;
        await yieldToLoop();
      }
    }
    if (writer.length > 0) {
      const request = cut();
      if (request) yield request;
    }
  }
}
