/**
 * @module Load averages and the thread count from /proc/loadavg.
 */
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

/** Load averages, and from the fourth field ("running/total") the number of threads on the host. */
export function parseLoadavg(text: string): { load1: number; load5: number; load15: number; threads?: number } {
  const fields = text.trim().split(/\s+/);
  const [a, b, c] = fields.slice(0, 3).map(Number);
  if (![a, b, c].every((v) => Number.isFinite(v))) throw new Error('/proc/loadavg is not three numbers');
  const threads = Number(fields[3]?.split('/')[1]);
  return { load1: a!, load5: b!, load15: c!, ...(Number.isInteger(threads) ? { threads } : {}) };
}

export function loadCollector(loadavg: ProcFile): Collector {
  return {
    name: 'load',
    collect(out) {
      Object.assign(out, parseLoadavg(loadavg.read()));
    },
  };
}
