/**
 * @module The samples of one node-minute not packed yet, held in columns of float64 (one per
 * metric) rather than an object per sample: far less memory, and nothing for the garbage
 * collector to trace or copy while thousands of nodes report every second (typed arrays live
 * outside the JavaScript heap).
 */
import type { BlockSample } from './codec';

/** Rows a buffer starts with: a minute at the fastest interval (1 s), plus room for jitter. */
const INITIAL_ROWS = 64;

function grown(col: Float64Array, rows: number): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(rows).fill(NaN);
  bigger.set(col);
  return bigger;
}

export class MinuteBuffer {
  private rows = 0;
  private capacity = INITIAL_ROWS;
  private ts = new Float64Array(INITIAL_ROWS);
  private seq = new Float64Array(INITIAL_ROWS);
  /** Metric id -> values aligned with `ts`; NaN where the sample lacked the metric. */
  private readonly cols = new Map<number, Float64Array>();
  private newest = 0;

  get size(): number {
    return this.rows;
  }

  get newestTs(): number {
    return this.newest;
  }

  has(ts: number): boolean {
    // Samples nearly always arrive in order: check the end first.
    return this.rows > 0 && (this.ts[this.rows - 1] === ts || this.ts.subarray(0, this.rows).includes(ts));
  }

  /** Adds a sample given as [id, value, id, value, …]; a ts already held is ignored (first copy wins). */
  add(ts: number, seq: number, flat: readonly number[]): void {
    if (this.has(ts)) return;
    if (this.rows === this.capacity) {
      this.capacity *= 2;
      this.ts = grown(this.ts, this.capacity);
      this.seq = grown(this.seq, this.capacity);
      for (const [id, col] of this.cols) this.cols.set(id, grown(col, this.capacity));
    }
    const row = this.rows++;
    this.ts[row] = ts;
    this.seq[row] = seq;
    if (ts > this.newest) this.newest = ts;
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i]!;
      let col = this.cols.get(id);
      if (!col) this.cols.set(id, (col = new Float64Array(this.capacity).fill(NaN)));
      col[row] = flat[i + 1]!;
    }
  }

  /** The samples, oldest first. */
  toSamples(): BlockSample[] {
    const order = Array.from({ length: this.rows }, (_, i) => i).sort((a, b) => this.ts[a]! - this.ts[b]!);
    return order.map((i) => {
      const values: Record<number, number> = {};
      for (const [id, col] of this.cols) {
        const v = col[i]!;
        if (!Number.isNaN(v)) values[id] = v;
      }
      return { ts: this.ts[i]!, seq: this.seq[i]!, values };
    });
  }
}
