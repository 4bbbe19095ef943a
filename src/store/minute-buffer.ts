/**
 * @module The samples of one node-minute not packed yet, encoded as they arrive: each value as a
 * small delta against the same metric's value in the sample before, in a byte array outside the
 * JavaScript heap. At 10 000 nodes × 40 metrics a minute of float64s took ~200 MB, and twice that
 * while one minute was packed and the next filled; these rows take ~2 bytes per value, and leave
 * nothing for the garbage collector to trace.
 */
import type { BlockSample, BlockTable } from './codec';
import { MAX_VALUE_BYTES, ValueReader, ValueWriter } from './value-bytes';

const INITIAL_BYTES = 1024;

/** Where toTable puts values (see there). */
let tableSpace = new Float64Array(0);

export class MinuteBuffer {
  private readonly out: ValueWriter;
  /** Each row's ts (its seq and schema are in the bytes, at the head of the row). */
  private readonly tss: number[] = [];
  /** Lists of columns rows were written with (one per agent connection, nearly always one). */
  private readonly schemas: number[][] = [];
  /** Column -> metric id (a handful of dozen: searched, not hashed, once per schema). */
  private readonly idOf: number[] = [];
  private lastSeq = NaN;
  /** The last value written per column (NaN: none), what the next row's deltas are taken to. */
  private prev = new Float64Array(8).fill(NaN);
  private newest = 0;
  /** The ids array of the last sample added, and its schema. */
  private lastIds: readonly number[] | null = null;
  private lastSchema = 0;

  /**
   * `expectedBytes`: what the minute will likely need (the node's minute before is a good guess).
   * The buffer starts small and takes that size when it first outgrows it: allocated at once,
   * every node's next minute would double the memory held while the last one waits to be packed.
   */
  constructor(expectedBytes = 0) {
    this.out = new ValueWriter(INITIAL_BYTES, expectedBytes);
  }

  get size(): number {
    return this.tss.length;
  }

  get newestTs(): number {
    return this.newest;
  }

  /** Bytes held, for tests and upkeep figures. */
  get byteLength(): number {
    return this.out.length;
  }

  has(ts: number): boolean {
    // Samples nearly always arrive in order: look from the end.
    for (let r = this.tss.length - 1; r >= 0; r--) if (this.tss[r] === ts) return true;
    return false;
  }

  /** The schema (columns) for `ids`, added if new. */
  private schemaFor(ids: readonly number[]): number {
    const columns = ids.map((id) => {
      const column = this.idOf.indexOf(id);
      return column >= 0 ? column : this.idOf.push(id) - 1;
    });
    if (this.idOf.length > this.prev.length) {
      const prev = new Float64Array(this.idOf.length * 2).fill(NaN);
      prev.set(this.prev);
      this.prev = prev;
    }
    const known = this.schemas.findIndex((s) => s.length === columns.length && s.every((c, i) => c === columns[i]));
    if (known >= 0) return known;
    this.schemas.push(columns);
    return this.schemas.length - 1;
  }

  /**
   * Adds a sample given as metric ids and their values (NaN: absent); a ts already held is
   * ignored (first copy wins). The same `ids` array from sample to sample (one per agent
   * connection) finds its columns without a lookup per value.
   */
  add(ts: number, seq: number, ids: readonly number[], values: ArrayLike<number>): void {
    if (this.has(ts)) return;
    if (ids !== this.lastIds) {
      this.lastSchema = this.schemaFor(ids);
      this.lastIds = ids;
    }
    const columns = this.schemas[this.lastSchema]!;
    // The row's head (schema, seq), then its values.
    const { out, prev } = this;
    out.ensure((columns.length + 2) * MAX_VALUE_BYTES);
    out.uvarint(this.lastSchema);
    out.value(seq, this.lastSeq);
    this.lastSeq = seq;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const v = values[i]!;
      out.value(v, prev[column]!);
      if (!Number.isNaN(v)) prev[column] = v;
    }
    this.tss.push(ts);
    if (ts > this.newest) this.newest = ts;
  }

  /** Calls `onRow(row, seq)` and `onValue(row, column, value)` for every row and value held, in arrival order. */
  private decode(onRow: (row: number, seq: number) => void, onValue: (row: number, column: number, value: number) => void): void {
    const read = new ValueReader(this.out.buf, this.out.length);
    const prev = new Float64Array(this.idOf.length).fill(NaN);
    let seq = NaN;
    for (let r = 0; r < this.tss.length; r++) {
      const schema = this.schemas[read.uvarint()]!;
      seq = read.value(seq);
      onRow(r, seq);
      for (const column of schema) {
        const v = read.value(prev[column]!);
        if (Number.isNaN(v)) continue;
        prev[column] = v;
        onValue(r, column, v);
      }
    }
  }

  /** The samples, oldest first. */
  toSamples(): BlockSample[] {
    const samples: BlockSample[] = this.tss.map((ts) => ({ ts, seq: 0, values: {} }));
    this.decode(
      (r, seq) => (samples[r]!.seq = seq),
      (r, column, v) => (samples[r]!.values[this.idOf[column]!] = v),
    );
    return samples.sort((a, b) => a.ts - b.ts);
  }

  /**
   * The samples as one table for the block encoder (rows by ts, metrics by id): packing a minute
   * this way makes no object per sample, which at 10 000 nodes lived long enough to be promoted.
   * The table's values live in one array kept from call to call (a new ~19 KB array per node made
   * ~190 MB of garbage outside the heap each minute at 10 000 nodes): valid until the next call.
   */
  toTable(): BlockTable {
    const rows = this.tss.length;
    const order = Array.from({ length: rows }, (_, r) => r).sort((a, b) => this.tss[a]! - this.tss[b]!);
    const rankOfRow = new Array<number>(rows);
    order.forEach((r, rank) => (rankOfRow[r] = rank));
    const columns = Array.from({ length: this.idOf.length }, (_, c) => c).sort((a, b) => this.idOf[a]! - this.idOf[b]!);
    const rankOfColumn = new Array<number>(columns.length);
    columns.forEach((c, rank) => (rankOfColumn[c] = rank));
    const width = columns.length;
    if (tableSpace.length < rows * width) tableSpace = new Float64Array(Math.max(rows * width, 2 * tableSpace.length));
    const table = tableSpace.subarray(0, rows * width).fill(NaN);
    const seq = new Array<number>(rows);
    this.decode(
      (r, s) => (seq[rankOfRow[r]!] = s),
      (r, column, v) => (table[rankOfRow[r]! * width + rankOfColumn[column]!] = v),
    );
    return { ts: order.map((r) => this.tss[r]!), seq, ids: columns.map((c) => this.idOf[c]!), table };
  }
}
