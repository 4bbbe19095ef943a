/**
 * @module The journal's rows: every sample of one ingest flush in one row, written before it is
 * acked and replayed into memory at open (series.ts). Reads the formats older versions wrote.
 */
import { MAX_VALUE_BYTES, ValueReader, ValueWriter } from './value-bytes';

/**
 * A journal row (format 3): the byte 3, then per sample (value-bytes.ts encoding, each value on its
 * own) nodeId, seq, ts, its metric ids (a list defined in the row at its first use: 0, the count,
 * the ids; later its number, from 1), then a value per id (absent ones marked). ~150 bytes for a
 * sample of 39 values; format 2 (float64 pairs of id and value) took 650, and at 10 000 agents
 * that was 6.5 MB a second written to the WAL and checkpointed.
 */
const JOURNAL_FORMAT = 3;

/** `values` is valid during the call only (format 3 fills one array per list again for each sample). */
export type OnJournalSample = (nodeId: number, seq: number, ts: number, ids: readonly number[], values: number[]) => void;

export function decodeJournal(data: Buffer, onSample: OnJournalSample): void {
  if (data[0] === JOURNAL_FORMAT) return decodeJournal3(data, onSample);
  // Format 2: float64s, little-endian: 2, then per sample nodeId, seq, ts, the count of numbers
  // that follow, and [metricId, value, …]. SQLite hands out blobs at any alignment: copy first.
  const all = new Float64Array(new Uint8Array(data).buffer, 0, Math.floor(data.length / 8));
  if (all[0] !== 2) throw new Error(`journal row in unknown format ${data[0]}: written by a newer probe?`);
  for (let at = 1; at + 4 <= all.length; ) {
    const n = all[at + 3]!;
    const [ids, values] = unflatten(all.subarray(at + 4, at + 4 + n));
    onSample(all[at]!, all[at + 1]!, all[at + 2]!, ids, values);
    at += 4 + n;
  }
}

function decodeJournal3(data: Buffer, onSample: OnJournalSample): void {
  const read = new ValueReader(data);
  read.uvarint();
  const lists: number[][] = [];
  const scratch: number[][] = [];
  while (!read.done) {
    const nodeId = read.uvarint();
    const seq = read.value(NaN);
    const ts = read.value(NaN);
    let list = read.uvarint();
    if (list === 0) {
      lists.push(Array.from({ length: read.uvarint() }, () => read.uvarint()));
      scratch.push(new Array<number>(lists.at(-1)!.length).fill(0));
      list = lists.length;
    }
    const ids = lists[list - 1];
    if (!ids) throw new Error(`journal row refers to metric list ${list}, which it does not define`);
    // Read at a few hundred thousand samples a second by remote write: no array per sample.
    const values = scratch[list - 1]!;
    for (let i = 0; i < ids.length; i++) values[i] = read.value(NaN);
    onSample(nodeId, seq, ts, ids, values);
  }
}

/** [id, value, id, value, …] as ids and values. */
export function unflatten(flat: ArrayLike<number>): [number[], number[]] {
  const ids: number[] = [];
  const values: number[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    ids.push(flat[i]!);
    values.push(flat[i + 1]!);
  }
  return [ids, values];
}

/** Puts one row together; kept from flush to flush (SQLite copies what it binds). */
export class JournalRow {
  private readonly out = new ValueWriter(64 * 1024);
  /** The id lists defined in this row so far, and their numbers. */
  private readonly lists = new Map<readonly number[], number>();

  start(): void {
    this.out.length = 0;
    this.lists.clear();
    this.out.ensure(1);
    this.out.uvarint(JOURNAL_FORMAT);
  }

  /** A sample: `ids` the same array for the same list (a list is written once per row), values NaN where absent. */
  add(nodeId: number, seq: number, ts: number, ids: readonly number[], values: ArrayLike<number>): void {
    const { out } = this;
    out.ensure((ids.length * 2 + 8) * MAX_VALUE_BYTES);
    out.uvarint(nodeId);
    out.value(seq, NaN);
    out.value(ts, NaN);
    const list = this.lists.get(ids);
    if (list !== undefined) {
      out.uvarint(list);
    } else {
      this.lists.set(ids, this.lists.size + 1);
      out.uvarint(0);
      out.uvarint(ids.length);
      for (const id of ids) out.uvarint(id);
    }
    for (let i = 0; i < ids.length; i++) out.value(values[i]!, NaN);
  }

  /** The row's bytes, valid until the next start. */
  bytes(): Buffer {
    return this.out.written();
  }
}
