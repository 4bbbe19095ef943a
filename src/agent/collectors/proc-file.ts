/**
 * @module Reads a /proc file through a descriptor kept open, so a sample costs one pread, not open+read+close.
 */
import { openSync, readSync } from 'node:fs';

export class ProcFile {
  /** Opened on first read and kept for the life of the agent. */
  private fd: number | null = null;
  private buffer = Buffer.allocUnsafe(16 * 1024);

  constructor(readonly path: string) {}

  read(): string {
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
    return this.buffer.toString('utf8', 0, length);
  }
}
