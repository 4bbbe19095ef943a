/**
 * @module Memory and swap from /proc/meminfo. "Used" is total minus MemAvailable, as `free` shows it.
 */
import type { MetricValues } from '../../protocol/metrics';
import { ByteCursor } from './byte-cursor';
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

/** The lines used, by the index their value is kept at. */
const KEYS = ['MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SReclaimable', 'SwapTotal', 'SwapFree'] as const;
const [TOTAL, FREE, AVAILABLE, BUFFERS, CACHED, RECLAIMABLE, SWAP_TOTAL, SWAP_FREE] = KEYS.map((_, i) => i) as number[];
/** Each key as it appears after a newline, as bytes: a native search finds it, no line is scanned in JavaScript. */
const PATTERNS = KEYS.map((k) => Buffer.from(`\n${k}:`, 'latin1'));

/** Adds the memory metrics of /proc/meminfo at `c` to `out`; `kb` is scratch space (NaN for a line not found). */
export function meminfoInto(c: ByteCursor, out: MetricValues, kb = new Float64Array(KEYS.length)): void {
  const start = c.pos;
  for (let k = 0; k < KEYS.length; k++) {
    const pattern = PATTERNS[k]!;
    // The first line has no newline before it.
    const first = c.startsWith(KEYS[k]!) && c.buf[start + KEYS[k]!.length] === pattern[pattern.length - 1];
    const at = first ? start - 1 : c.buf.indexOf(pattern, start);
    if ((at < 0 && !first) || at + pattern.length > c.end) {
      kb[k] = NaN;
      continue;
    }
    c.pos = at + pattern.length;
    kb[k] = c.number();
    c.pos = start;
  }
  const have = (k: number) => !Number.isNaN(kb[k]!);
  const or0 = (k: number) => (have(k) ? kb[k]! : 0);
  if (!have(TOTAL!)) throw new Error('/proc/meminfo has no MemTotal');
  const total = kb[TOTAL!]!;
  // Kernels before 3.14 have no MemAvailable; free + buffers + cache is the classic estimate.
  const available = have(AVAILABLE!) ? kb[AVAILABLE!]! : or0(FREE!) + or0(BUFFERS!) + or0(CACHED!);
  out.memTotalBytes = total * 1024;
  out.memUsedBytes = Math.max(0, total - available) * 1024;
  out.memAvailableBytes = available * 1024;
  out.memBuffersCacheBytes = (or0(BUFFERS!) + or0(CACHED!) + or0(RECLAIMABLE!)) * 1024;
  if (have(SWAP_TOTAL!)) {
    out.swapTotalBytes = kb[SWAP_TOTAL!]! * 1024;
    out.swapUsedBytes = Math.max(0, kb[SWAP_TOTAL!]! - or0(SWAP_FREE!)) * 1024;
  }
}

export function parseMeminfo(text: string): MetricValues {
  const values: MetricValues = {};
  meminfoInto(ByteCursor.of(text), values);
  return values;
}

export function memoryCollector(meminfo: ProcFile): Collector {
  const kb = new Float64Array(KEYS.length);
  return {
    name: 'memory',
    collect(out) {
      meminfoInto(meminfo.cursor(), out, kb);
    },
  };
}
