/**
 * @module Random bytes from the system's source without node:crypto: read ahead from /dev/urandom
 * (the kernel's CSPRNG, what crypto.randomFillSync itself draws on), 4 KiB at a time, the file
 * closed between reads. Where there is no /dev/urandom (Windows), or it cannot be read, node:crypto. The agent's WebSocket
 * masks and handshake keys take them: crypto would put ~1.3 MB on its RSS for nothing else.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { builtin } from './builtin';

const POOL_BYTES = 4096;

export class SystemRandom {
  private readonly pool = Buffer.alloc(POOL_BYTES);
  private used = POOL_BYTES;

  /** Fills `target` (at most 4 KiB) with random bytes; returns it. */
  fill<T extends Uint8Array>(target: T): T {
    if (target.length > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at a time`);
    if (this.used + target.length > POOL_BYTES) this.refill();
    target.set(this.pool.subarray(this.used, this.used + target.length));
    // A byte given out once is never given out again.
    this.pool.fill(0, this.used, this.used + target.length);
    this.used += target.length;
    return target;
  }

  private refill(): void {
    try {
      if (process.platform === 'win32') throw new Error('no /dev/urandom');
      const fd = openSync('/dev/urandom', 'r');
      try {
        let got = 0;
        while (got < POOL_BYTES) got += readSync(fd, this.pool, got, POOL_BYTES - got, null);
      } finally {
        closeSync(fd);
      }
    } catch {
      // No /dev/urandom, or no file descriptor left (EMFILE): crypto, which never fails so.
      builtin('node:crypto').randomFillSync(this.pool);
    }
    this.used = 0;
  }
}
