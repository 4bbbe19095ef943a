/**
 * @module Numbers as short byte strings, for samples held in memory (minute-buffer.ts) and in the
 * journal: each value is one unsigned varint, `z * 8 + tag` (z: a zigzag-mapped integer, 0 when
 * the tag carries none), and for RAW the float64 after it. A value is written relative to another
 * (the same metric in the row before; NaN for none): the same, or the delta scaled by 1, 10 or
 * 100 when both are exact at that scale; else on its own, scaled by 1 or 100 when exact. Every
 * double comes back bit for bit, -0 included (it travels raw).
 */
import { ByteBuffer } from '../util/byte-buffer';

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
/** The most bytes one value takes (RAW: its tag and a float64). */
export const MAX_VALUE_BYTES = 9;

const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** v × scale as an integer if that is exact (and safe), else NaN. */
function scaled(v: number, scale: number): number {
  const s = Math.round(v * scale);
  return s / scale === v && Math.abs(s) < MAX_Z / 2 ? s : NaN;
}

export class ValueWriter extends ByteBuffer {
  private delta(v: number, p: number, scale: number, tag: number): boolean {
    const d = scaled(v, scale) - scaled(p, scale);
    if (!Number.isSafeInteger(d) || Math.abs(d) >= MAX_Z / 2) return false;
    this.uvarint(zigzag(d) * 8 + tag);
    return true;
  }

  /** `v` (NaN: absent) relative to `p` (call ensure first: up to MAX_VALUE_BYTES). */
  value(v: number, p: number): void {
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
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }
}

export class ValueReader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  uvarint(): number {
    const { bytes, end } = this;
    let pos = this.pos;
    // Most words fit in a byte or two (tags, small integers, deltas): bit operations up to 28 bits.
    let n = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new Error('value bytes cut short');
      const b = bytes[pos++]!;
      n |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return n;
      }
    }
    let mul = 0x10000000;
    for (;;) {
      if (pos >= end) throw new Error('value bytes cut short');
      const b = bytes[pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return n;
      }
      mul *= 0x80;
    }
  }

  /** The value written relative to `p` (NaN: absent). */
  value(p: number): number {
    const word = this.uvarint();
    let tag: number;
    let z: number;
    if (word <= 0x7fffffff) {
      tag = word & 7;
      const u = word >>> 3;
      z = (u >>> 1) ^ -(u & 1);
    } else {
      tag = word % 8;
      z = unzigzag((word - tag) / 8);
    }
    switch (tag) {
      case ABSENT:
        return NaN;
      case SAME:
        return p;
      case DELTA_1:
        return p + z;
      case DELTA_10:
        return (Math.round(p * 10) + z) / 10;
      case DELTA_100:
        return (Math.round(p * 100) + z) / 100;
      case ABS_1:
        return z;
      case ABS_100:
        return z / 100;
      default: {
        if (this.pos + 8 > this.end) throw new Error('value bytes cut short');
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
    }
  }
}
