/**
 * @module Seconds since boot from /proc/uptime.
 */
import { ByteCursor } from './byte-cursor';
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

function uptimeAt(c: ByteCursor): number {
  const seconds = c.number();
  if (!Number.isFinite(seconds)) throw new Error('/proc/uptime does not start with a number');
  return Math.floor(seconds);
}

export function parseUptime(text: string): number {
  return uptimeAt(ByteCursor.of(text));
}

export function uptimeCollector(uptime: ProcFile): Collector {
  return {
    name: 'uptime',
    collect(out) {
      out.uptimeSec = uptimeAt(uptime.cursor());
    },
  };
}
