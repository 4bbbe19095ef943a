/**
 * @module One window of the outbox as remote-write requests: its samples grouped by series (so a
 * series' labels go once per request, not once per value), then cut into requests of about
 * `maxRequestBytes` before compression. The same rows always give the same requests in the same
 * order, so a restart can skip those already accepted.
 */
import type { OutboxStore } from '../../store/store';
import { grow } from '../../util/grow';
import { KeptLabels } from './series-labels';
import type { SeriesLabels } from './series-labels';
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

/**
 * A node's series, kept from window to window while its labels stay: the series of each metric id
 * it sent, and those of its last metric list (one per column), so a sample costs no lookup.
 */
interface NodeSeries {
  /** SeriesLabels.nodeKey when these were made (another: the node was renamed or moved). */
  key: string;
  byMetric: Map<number, number>;
  lastIds: readonly number[];
  columns: Int32Array;
  /** The window in which nodeKey was last asked (once per node and window). */
  checkedIn: number;
  /** The window in which its columns were last given places. */
  placedIn: number;
  /** Whether the node was gone (removed) when last asked: its samples are not sent (it keeps this small entry). */
  gone: boolean;
}

const sameIds = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * A window's values grouped by series without an object or array per series (at 10 000 agents a
 * window holds ~400 000 series): read into flat typed arrays in arrival order, then ordered series
 * by series with a counting sort of their indexes (4 bytes a value, where sorted copies of the
 * stamps and values took 16: at 3.9 million values, 47 MB less). The arrays are kept from window
 * to window, and so is each node's series (`kept`: a number per node and metric); within a window
 * series take their places node by node in column order at each node's first sample, so the same
 * rows give the same requests whatever windows came before, as earlier versions cut them (a
 * restart skips the requests already accepted).
 */
export class WindowSeries {
  private seriesOf = new Int32Array(1 << 16);
  private ts = new Float64Array(1 << 16);
  private values = new Float64Array(1 << 16);
  /** Indexes into ts and values, series by series, each series oldest first. */
  private order = new Int32Array(0);
  private n = 0;
  /** Kept too: a request grows it to ~2 MiB. */
  private readonly writer = new WriteRequestWriter();

  /** Kept series: their labels and divisors by number. */
  private readonly kept = new KeptLabels();
  private readonly nodes = new Map<number, NodeSeries>();
  private windowNo = 0;

  /** This window's series: their kept numbers in the order they took places, and each kept one's place (-1: none yet). */
  private inWindow = new Int32Array(1024);
  private count = 0;
  private slot = new Int32Array(1024).fill(-1);
  private lastTs = new Float64Array(1024);
  private disordered = new Uint8Array(1024);

  /** A kept number for a new series. */
  private keep(labels: Uint8Array, divisor: number): number {
    const at = this.kept.keep(labels, divisor);
    this.slot = grow(this.slot, at + 1, (n) => new Int32Array(n).fill(-1));
    return at;
  }

  /** Frees a node's kept series (renamed, moved or removed). */
  private release(node: NodeSeries): void {
    for (const series of node.byMetric.values()) if (series >= 0) this.kept.release(series);
    node.byMetric.clear();
    // Its columns went with them: an empty metric list next (an agent may send one) must not reuse them.
    node.lastIds = [];
    node.columns = new Int32Array(0);
  }

  /** The node's series as they stand in this window; null while it is removed. */
  private nodeSeries(nodeId: number, labels: SeriesLabels): NodeSeries | null {
    let node = this.nodes.get(nodeId);
    if (node && node.checkedIn === this.windowNo) return node.gone ? null : node;
    const key = labels.nodeKey(nodeId);
    if (!node) {
      if (key === null) return null;
      node = { key, byMetric: new Map(), lastIds: [], columns: new Int32Array(0), checkedIn: 0, placedIn: 0, gone: false };
      this.nodes.set(nodeId, node);
    }
    node.checkedIn = this.windowNo;
    node.gone = key === null;
    if (key !== node.key) {
      this.release(node);
      if (key !== null) node.key = key;
    }
    return key === null ? null : node;
  }

  /** The kept series of each of a node's columns (-1: not sent). */
  private columnsOf(nodeId: number, node: NodeSeries, ids: readonly number[], labels: SeriesLabels): Int32Array {
    const columns = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      let series = node.byMetric.get(ids[i]!);
      if (series === undefined) {
        const label = labels.encode(nodeId, ids[i]!);
        node.byMetric.set(ids[i]!, (series = label ? this.keep(label.labels, label.divisor) : -1));
      }
      columns[i] = series;
    }
    return columns;
  }

  /** The window's number of a kept series, given one on its first use in the window. */
  private placeOf(series: number): number {
    let at = this.slot[series]!;
    if (at >= 0) return at;
    at = this.count++;
    if (at === this.inWindow.length) {
      this.inWindow = grow(this.inWindow, at + 1, (n) => new Int32Array(n));
      this.lastTs = grow(this.lastTs, at + 1, (n) => new Float64Array(n));
      this.disordered = grow(this.disordered, at + 1, (n) => new Uint8Array(n));
    }
    this.slot[series] = at;
    this.inWindow[at] = series;
    this.lastTs[at] = Number.NEGATIVE_INFINITY;
    this.disordered[at] = 0;
    return at;
  }

  private add(at: number, ts: number, value: number): void {
    if (this.n === this.ts.length) {
      this.seriesOf = grow(this.seriesOf, this.n + 1, (n) => new Int32Array(n));
      this.ts = grow(this.ts, this.n + 1, (n) => new Float64Array(n));
      this.values = grow(this.values, this.n + 1, (n) => new Float64Array(n));
    }
    this.seriesOf[this.n] = at;
    this.ts[this.n] = ts;
    this.values[this.n++] = value;
    if (ts < this.lastTs[at]!) this.disordered[at] = 1;
    this.lastTs[at] = ts;
  }

  /** Reads rows (afterId, toId] into series, a slice of rows at a time. */
  async read(outbox: OutboxStore, afterId: number, toId: number, labels: SeriesLabels): Promise<void> {
    for (let i = 0; i < this.count; i++) this.slot[this.inWindow[i]!] = -1;
    this.count = 0;
    this.n = 0;
    this.windowNo++;
    // Nodes not seen for 64 windows (removed, or their agent on another server) give their series back.
    if (this.windowNo % 64 === 0)
      for (const [id, node] of this.nodes)
        if (this.windowNo - node.checkedIn > 64) {
          this.release(node);
          this.nodes.delete(id);
        }
    // Between windows no place refers to the kept bytes: they can move.
    this.kept.compact();
    const onSample = (nodeId: number, ts: number, ids: readonly number[], values: number[]) => {
      const node = this.nodeSeries(nodeId, labels);
      if (!node) return;
      // A node sends the same metrics sample after sample: its columns are looked up when they change.
      if (ids !== node.lastIds && !sameIds(ids, node.lastIds)) {
        node.columns = this.columnsOf(nodeId, node, ids, labels);
        node.placedIn = 0;
      }
      node.lastIds = ids;
      const { columns } = node;
      // Its series take their places in column order at its first sample in the window (and when its
      // metrics change), values or not: the order, and so the cut into requests, earlier versions made.
      if (node.placedIn !== this.windowNo) {
        node.placedIn = this.windowNo;
        for (let i = 0; i < columns.length; i++) if (columns[i]! >= 0) this.placeOf(columns[i]!);
      }
      const { divisors } = this.kept;
      for (let i = 0; i < columns.length; i++) {
        const series = columns[i]!;
        const value = values[i]!;
        if (series >= 0 && !Number.isNaN(value)) this.add(this.placeOf(series), ts, value / divisors[series]!);
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
    const { count } = this;
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
    const { writer } = this;
    writer.reset();
    let made = 0;
    const cut = (): WindowRequest | null => {
      const request = made++ < skip ? null : { body: snappyCompress(writer.bytes()), values: writer.values };
      writer.reset();
      return request;
    };
    for (let s = 0; s < this.count; s++) {
      const series = this.inWindow[s]!;
      const { kept } = this;
      writer.addSeries(
        kept.bytes(series),
        kept.offsetOf(series),
        kept.lengthOf(series),
        this.ts,
        this.values,
        this.order,
        starts[s]!,
        starts[s + 1]! - starts[s]!,
      );
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
