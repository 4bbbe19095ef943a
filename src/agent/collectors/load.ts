/**
 * @module Load averages and the thread count from /proc/loadavg.
 */
import type { MetricValues } from '../../protocol/metrics';
import { ByteCursor } from './byte-cursor';
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

const SLASH = 47;

/** Adds load1/5/15 and, from the fourth field ("running/total"), the number of threads on the host. */
function loadavgInto(c: ByteCursor, out: MetricValues): void {
  const a = c.number();
  const b = c.number();
  const d = c.number();
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(d)) throw new Error('/proc/loadavg is not three numbers');
  out.load1 = a;
  out.load5 = b;
  out.load15 = d;
  c.skipBlanks();
  const slash = c.findOnLine(SLASH);
  if (slash < 0) return;
  c.pos = slash + 1;
  const threads = c.number();
  if (Number.isInteger(threads)) out.threads = threads;
}

export function parseLoadavg(text: string): { load1: number; load5: number; load15: number; threads?: number } {
  const out: MetricValues = {};
  loadavgInto(ByteCursor.of(text), out);
  return out as { load1: number; load5: number; load15: number; threads?: number };
}

export function loadCollector(loadavg: ProcFile): Collector {
  return {
    name: 'load',
    collect(out) {
      loadavgInto(loadavg.cursor(), out);
    },
  };
}
