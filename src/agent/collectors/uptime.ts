/**
 * @module Seconds since boot from /proc/uptime.
 */
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

export function parseUptime(text: string): number {
  const seconds = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(seconds)) throw new Error('/proc/uptime does not start with a number');
  return Math.floor(seconds);
}

export function uptimeCollector(uptime: ProcFile): Collector {
  return {
    name: 'uptime',
    collect(out) {
      out.uptimeSec = parseUptime(uptime.read());
    },
  };
}
