/**
 * @module Load averages from /proc/loadavg.
 */
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

export function parseLoadavg(text: string): { load1: number; load5: number; load15: number } {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (![a, b, c].every((v) => Number.isFinite(v))) throw new Error('/proc/loadavg is not three numbers');
  return { load1: a!, load5: b!, load15: c! };
}

export function loadCollector(loadavg: ProcFile): Collector {
  return {
    name: 'load',
    collect(out) {
      Object.assign(out, parseLoadavg(loadavg.read()));
    },
  };
}
