/**
 * @module A growing byte buffer for writers that put bytes together (blocks, journal rows, minute
 * buffers, live frames): room is made before writing, and the buffer is kept from use to use.
 */
export class ByteBuffer {
  buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  /** Starts with `initialBytes`; on first outgrowing them, takes at least `expectedBytes`. */
  constructor(
    initialBytes: number,
    private readonly expectedBytes = 0,
  ) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.length + n, this.expectedBytes));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  /** A non-negative safe integer, 7 bits per byte (call ensure first: up to 8 bytes). */
  uvarint(n: number): void {
    const { buf } = this;
    while (n >= 0x80) {
      buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.length++] = n;
  }

  /** The bytes written, as a view (not a copy). */
  written(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
