/**
 * @module Reads a /proc file through a descriptor kept open, so a sample costs one pread, not
 * open+read+close, into a buffer kept too: `cursor()` hands the bytes to a parser as they are.
 */
import { openSync, readSync } from 'node:fs';
import { ByteCursor } from './byte-cursor';

export class ProcFile {
  /** Opened on first read and kept for the life of the agent. */
  private fd: number | null = null;
  private buffer = Buffer.allocUnsafe(16 * 1024);
  private readonly bytes = new ByteCursor();

  constructor(readonly path: string) {}

  /** Reads the whole file again and returns a cursor at its start (the same cursor each time). */
  cursor(): ByteCursor {
    if (this.fd === null) this.fd = openSync(this.path, 'r');
    let length = 0;
    for (;;) {
      const n = readSync(this.fd, this.buffer, length, this.buffer.length - length, length);
      length += n;
      if (n === 0 || length < this.buffer.length) break;
      const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(bigger, 0, 0, length);
      this.buffer = bigger;
    }
    return this.bytes.reset(this.buffer, length);
  }

  read(): string {
    const c = this.cursor();
    return this.buffer.toString('utf8', 0, c.end);
  }
}
