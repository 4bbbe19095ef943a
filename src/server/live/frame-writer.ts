/**
 * @module Builds JSON frames as bytes in one buffer kept from frame to frame. The live feed writes
 * ~10 000 node deltas a second; built as strings, their pieces and joins were a third of all the
 * server allocated, and every frame was copied once more into a Buffer to be sent.
 */
import { ByteBuffer } from '../../util/byte-buffer';

/**
 * Below 2^46 neighbouring doubles are less than 0.01 apart (2^-7 at most), so no other decimal of at
 * most two places reads back as the same double: the two-place form is then the shortest, as
 * JSON writes it. Above, one double can stand for several (78790307543376.1 is also ….09).
 */
const TWO_PLACES_BELOW = 2 ** 46;

export class FrameWriter extends ByteBuffer {
  constructor(initialBytes = 64 * 1024, expectedBytes = 0) {
    super(initialBytes, expectedBytes);
  }

  /** Text known to be ASCII (JSON punctuation, numbers, escaped metric names). */
  ascii(text: string): void {
    this.ensure(text.length);
    const { buf } = this;
    for (let i = 0; i < text.length; i++) buf[this.length++] = text.charCodeAt(i);
  }

  /**
   * A finite number as JSON writes it, without making a string for the usual ones: safe integers,
   * and decimals exact at two places (`12.3`, `0.52`) under TWO_PLACES_BELOW.
   * Anything else goes through String().
   */
  number(v: number): void {
    if (Number.isSafeInteger(v)) return this.integer(v);
    if (!(Math.abs(v) < TWO_PLACES_BELOW)) return this.ascii(String(v));
    const hundredths = Math.round(v * 100);
    if (hundredths / 100 !== v) return this.ascii(String(v));
    if (v < 0) this.ascii('-');
    const abs = Math.abs(hundredths);
    this.integer(Math.floor(abs / 100));
    const cents = abs % 100;
    this.ensure(3);
    this.buf[this.length++] = 46; // .
    this.buf[this.length++] = 48 + Math.floor(cents / 10);
    if (cents % 10 !== 0) this.buf[this.length++] = 48 + (cents % 10);
  }

  private integer(n: number): void {
    this.ensure(17);
    const { buf } = this;
    if (n < 0) {
      buf[this.length++] = 45; // -
      n = -n;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    // Written from the last digit back.
    let at = (this.length += digits);
    do {
      const q = Math.floor(n / 10);
      buf[--at] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.ensure(text.length * 3);
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** A copy of bytes [start, end) written so far. */
  copy(start = 0, end = this.length): Buffer {
    return Buffer.from(this.buf.subarray(start, end));
  }

  /** Copies of several ranges, one after the other, with `before`, `between` and `after` around them. */
  join(ranges: readonly [number, number][], before: string, between: string, after: string): Buffer {
    const parts: Buffer[] = [Buffer.from(before)];
    ranges.forEach(([start, end], i) => {
      if (i > 0) parts.push(Buffer.from(between));
      parts.push(this.buf.subarray(start, end));
    });
    parts.push(Buffer.from(after));
    return Buffer.concat(parts);
  }

  reset(): void {
    this.length = 0;
  }
}
