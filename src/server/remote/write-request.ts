/**
 * @module Prometheus remote-write 1.0's WriteRequest in protobuf, written by hand (four messages:
 * WriteRequest { repeated TimeSeries timeseries = 1 }, TimeSeries { repeated Label labels = 1;
 * repeated Sample samples = 2 }, Label { string name = 1; string value = 2 }, Sample { double
 * value = 1; int64 timestamp = 2 }). A series' labels are encoded once and copied into every request.
 */
import { ByteBuffer } from '../../util/byte-buffer';

function varintLength(n: number): number {
  // Comparisons, not a division per byte: a millisecond stamp (2^40 now) is measured per sample.
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  if (n < 2 ** 35) return 5;
  if (n < 2 ** 42) return 6;
  if (n < 2 ** 49) return 7;
  if (n < 2 ** 56) return 8;
  return n < 2 ** 63 ? 9 : 10;
}

function putVarint(out: Buffer, at: number, n: number): number {
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out[at++] = (n % 0x80) | 0x80;
  out[at++] = n;
  return at;
}

/** A field of wire type 2 (length-delimited): its tag byte, its length, then its bytes. */
function lengthDelimited(field: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + varintLength(body.length) + body.length);
  const at = putVarint(out, 1, body.length);
  out[0] = (field << 3) | 2;
  body.copy(out, at);
  return out;
}

/** TimeSeries' labels field, sorted by name as Prometheus requires (empty values left out: Prometheus drops them). */
export function encodeLabels(labels: readonly (readonly [string, string])[]): Buffer {
  const sorted = labels.filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.concat(
    sorted.map(([name, value]) =>
      lengthDelimited(1, Buffer.concat([lengthDelimited(1, Buffer.from(name)), lengthDelimited(2, Buffer.from(value))])),
    ),
  );
}

/** Bytes of a Sample message: the value (tag + 8) and the timestamp (tag + varint; ours are never negative). */
function sampleLength(ts: number): number {
  return 1 + 8 + 1 + varintLength(ts);
}

const TWO_28 = 0x10000000;

/**
 * A varint of a safe integer without a division per byte: the low 28 bits with bit operations,
 * then the rest (below 2^25) the same way (ms timestamps pass 2^32: one 32-bit word cannot hold them).
 */
function putUvarint(buf: Buffer, at: number, n: number): number {
  if (n >= TWO_28) {
    const hi = Math.floor(n / TWO_28);
    const lo = n - hi * TWO_28;
    buf[at] = (lo & 0x7f) | 0x80;
    buf[at + 1] = ((lo >>> 7) & 0x7f) | 0x80;
    buf[at + 2] = ((lo >>> 14) & 0x7f) | 0x80;
    buf[at + 3] = ((lo >>> 21) & 0x7f) | 0x80;
    at += 4;
    n = hi;
  }
  for (; n >= 0x80; n >>>= 7) buf[at++] = (n & 0x7f) | 0x80;
  buf[at] = n;
  return at + 1;
}

/** Puts a WriteRequest together series by series; `length` tells when to cut a request. */
export class WriteRequestWriter {
  private readonly out = new ByteBuffer(64 * 1024);
  private view = new DataView(this.out.buf.buffer, this.out.buf.byteOffset, this.out.buf.length);
  /** Prometheus samples (values) in the request so far. */
  values = 0;

  get length(): number {
    return this.out.length;
  }

  /**
   * One TimeSeries: its labels (from encodeLabels) at `labels[labelsAt, labelsAt + labelsLength)`,
   * the samples ts[j], values[j] for j = order[i], `from` <= i < from + count, oldest first.
   */
  addSeries(
    labels: Uint8Array,
    labelsAt: number,
    labelsLength: number,
    ts: ArrayLike<number>,
    values: ArrayLike<number>,
    order: ArrayLike<number>,
    from: number,
    count: number,
  ): void {
    const end = from + count;
    let body = labelsLength;
    for (let i = from; i < end; i++) body += 2 + sampleLength(ts[order[i]!]!);
    const { out } = this;
    out.ensure(1 + varintLength(body) + body);
    const buf = out.buf;
    if (this.view.buffer !== buf.buffer) this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    const view = this.view;
    buf[out.length] = (1 << 3) | 2;
    let at = putVarint(buf, out.length + 1, body);
    buf.set(labels.subarray(labelsAt, labelsAt + labelsLength), at);
    at += labelsLength;
    for (let i = from; i < end; i++) {
      const j = order[i]!;
      const t = ts[j]!;
      buf[at] = (2 << 3) | 2;
      buf[at + 1] = sampleLength(t);
      buf[at + 2] = (1 << 3) | 1;
      view.setFloat64(at + 3, values[j]!, true);
      buf[at + 11] = 2 << 3;
      at = putUvarint(buf, at + 12, t);
    }
    out.length = at;
    this.values += count;
  }

  /** The request's bytes (a view until the next reset). */
  bytes(): Buffer {
    return this.out.written();
  }

  reset(): void {
    this.out.length = 0;
    this.values = 0;
  }
}
