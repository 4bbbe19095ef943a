/**
 * @module The samples of one node-minute not packed yet, in one float64 table (a row per sample:
 * ts, seq, then a column per metric) rather than an object per sample. At 10 000 nodes this is
 * one array per node-minute instead of one per metric (160 000 typed arrays cost ~30 MB of
 * wrappers alone), and nothing for the garbage collector to trace: the table lives outside the
 * JavaScript heap.
 */
import type { BlockSample } from './codec';

/** Rows a buffer starts with: a minute at the fastest interval (1 s), plus room for jitter. */
const INITIAL_ROWS = 64;
/** Leading columns of a row: ts and seq. */
const LEAD = 2;

export class MinuteBuffer {
  private rows = 0;
  private capacity = 0;
  /** Metric id -> its column (after LEAD). */
  private readonly columnOf = new Map<number, number>();
  private stride = LEAD;
  /** rows × stride values; NaN where a sample lacked a metric. */
  private table = new Float64Array(0);
  private newest = 0;

  get size(): number {
    return this.rows;
  }

  get newestTs(): number {
    return this.newest;
  }

  has(ts: number): boolean {
    // Samples nearly always arrive in order: check the end first.
    if (this.rows === 0) return false;
    if (this.table[(this.rows - 1) * this.stride] === ts) return true;
    for (let r = 0; r < this.rows; r++) if (this.table[r * this.stride] === ts) return true;
    return false;
  }

  /** A new table with room for `capacity` rows of `stride` values, holding the current rows. */
  private relayout(capacity: number, stride: number): void {
    const table = new Float64Array(capacity * stride).fill(NaN);
    for (let r = 0; r < this.rows; r++) table.set(this.table.subarray(r * this.stride, (r + 1) * this.stride), r * stride);
    this.table = table;
    this.capacity = capacity;
    this.stride = stride;
  }

  /** Adds a sample given as [id, value, id, value, …]; a ts already held is ignored (first copy wins). */
  add(ts: number, seq: number, flat: readonly number[]): void {
    if (this.has(ts)) return;
    for (let i = 0; i < flat.length; i += 2) {
      if (!this.columnOf.has(flat[i]!)) this.columnOf.set(flat[i]!, LEAD + this.columnOf.size);
    }
    const stride = LEAD + this.columnOf.size;
    if (this.rows === this.capacity) this.relayout(this.capacity === 0 ? INITIAL_ROWS : this.capacity * 2, stride);
    else if (stride !== this.stride) this.relayout(this.capacity, stride);
    const at = this.rows++ * this.stride;
    this.table[at] = ts;
    this.table[at + 1] = seq;
    if (ts > this.newest) this.newest = ts;
    for (let i = 0; i < flat.length; i += 2) this.table[at + this.columnOf.get(flat[i]!)!] = flat[i + 1]!;
  }

  /** The samples, oldest first. */
  toSamples(): BlockSample[] {
    const { table, stride } = this;
    const order = Array.from({ length: this.rows }, (_, r) => r).sort((a, b) => table[a * stride]! - table[b * stride]!);
    return order.map((r) => {
      const at = r * stride;
      const values: Record<number, number> = {};
      for (const [id, column] of this.columnOf) {
        const v = table[at + column]!;
        if (!Number.isNaN(v)) values[id] = v;
      }
      return { ts: table[at]!, seq: table[at + 1]!, values };
    });
  }
}
