/**
 * @module The samples of one node-minute not packed yet, encoded as they arrive: each value as a
 * small delta against the same metric's value in the sample before, in a byte array outside the
 * JavaScript heap. At 10 000 nodes × 40 metrics a minute of float64s took ~200 MB, and twice that
 * while one minute was packed and the next filled; these rows take ~2 bytes per value, and leave
 * nothing for the garbage collector to trace.
 */
import type { BlockSample, BlockTable } from './codec';

/**
 * Each value is one unsigned varint, `z * 8 + tag` (z: a zigzag-mapped integer, 0 when the tag
 * carries none), and for RAW the float64 after it. Deltas are to the previous row's value of the
 * same metric, scaled by 1, 10 or 100 when both values are exact at that scale.
 */
const ABSENT = 0;
const SAME = 1;
const DELTA_1 = 2;
const DELTA_10 = 3;
const DELTA_100 = 4;
const ABS_1 = 5;
const ABS_100 = 6;
const RAW = 7;
/** z * 8 + tag stays a safe integer below this. */
const MAX_Z = 2 ** 49;
const INITIAL_BYTES = 1024;

const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** v × scale as an integer if that is exact (and safe), else NaN. */
function scaled(v: number, scale: number): number {
  const s = Math.round(v * scale);
  return s / scale === v && Math.abs(s) < MAX_Z / 2 ? s : NaN;
}

export class MinuteBuffer {
  private bytes: Uint8Array;
  private view: DataView;
  private length = 0;
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
  constructor(private readonly expectedBytes = 0) {
    this.bytes = new Uint8Array(INITIAL_BYTES);
    this.view = new DataView(this.bytes.buffer);
  }

  get size(): number {
    return this.tss.length;
  }

  get newestTs(): number {
    return this.newest;
  }

  /** Bytes held, for tests and upkeep figures. */
  get byteLength(): number {
    return this.length;
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

  private ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n, this.expectedBytes));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }

  private uvarint(n: number): void {
    const { bytes } = this;
    while (n >= 0x80) {
      bytes[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    bytes[this.length++] = n;
  }

  private delta(v: number, p: number, scale: number, tag: number): boolean {
    const d = scaled(v, scale) - scaled(p, scale);
    if (!Number.isSafeInteger(d) || Math.abs(d) >= MAX_Z / 2) return false;
    this.uvarint(zigzag(d) * 8 + tag);
    return true;
  }

  private value(v: number, p: number): void {
    if (Number.isNaN(v)) return this.uvarint(ABSENT);
    if (Object.is(v, p)) return this.uvarint(SAME);
    // -0 only travels raw: the scaled forms would bring it back as 0.
    if (!Object.is(v, -0)) {
      if (!Number.isNaN(p) && (this.delta(v, p, 1, DELTA_1) || this.delta(v, p, 10, DELTA_10) || this.delta(v, p, 100, DELTA_100))) return;
      const s1 = scaled(v, 1);
      if (!Number.isNaN(s1)) return this.uvarint(zigzag(s1) * 8 + ABS_1);
      const s100 = scaled(v, 100);
      if (!Number.isNaN(s100)) return this.uvarint(zigzag(s100) * 8 + ABS_100);
    }
    this.uvarint(RAW);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
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
    // At most 9 bytes per value (a raw float64 and its tag), and the row's head.
    this.ensure((columns.length + 2) * 9);
    this.uvarint(this.lastSchema);
    this.value(seq, this.lastSeq);
    this.lastSeq = seq;
    const { prev } = this;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const v = values[i]!;
      this.value(v, prev[column]!);
      if (!Number.isNaN(v)) prev[column] = v;
    }
    this.tss.push(ts);
    if (ts > this.newest) this.newest = ts;
  }

  /** Calls `onRow(row, seq)` and `onValue(row, column, value)` for every row and value held, in arrival order. */
  private decode(onRow: (row: number, seq: number) => void, onValue: (row: number, column: number, value: number) => void): void {
    const { bytes, view } = this;
    let pos = 0;
    const uvarint = () => {
      let n = 0;
      let mul = 1;
      for (;;) {
        const b = bytes[pos++]!;
        n += (b & 0x7f) * mul;
        if (b < 0x80) return n;
        mul *= 0x80;
      }
    };
    const read = (p: number): number => {
      const word = uvarint();
      const tag = word % 8;
      const z = unzigzag((word - tag) / 8);
      switch (tag) {
        case ABSENT: return NaN;
        case SAME: return p;
        case DELTA_1: return p + z;
        case DELTA_10: return (Math.round(p * 10) + z) / 10;
        case DELTA_100: return (Math.round(p * 100) + z) / 100;
        case ABS_1: return z;
        case ABS_100: return z / 100;
        default: {
          const v = view.getFloat64(pos, true);
          pos += 8;
          return v;
        }
      }
    };
    const prev = new Float64Array(this.idOf.length).fill(NaN);
    let seq = NaN;
    for (let r = 0; r < this.tss.length; r++) {
      const schema = this.schemas[uvarint()]!;
      seq = read(seq);
      onRow(r, seq);
      for (const column of schema) {
        const v = read(prev[column]!);
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
    const table = new Float64Array(rows * width).fill(NaN);
    const seq = new Array<number>(rows);
    this.decode(
      (r, s) => (seq[rankOfRow[r]!] = s),
      (r, column, v) => (table[rankOfRow[r]! * width + rankOfColumn[column]!] = v),
    );
    return { ts: order.map((r) => this.tss[r]!), seq, ids: columns.map((c) => this.idOf[c]!), table };
  }
}
