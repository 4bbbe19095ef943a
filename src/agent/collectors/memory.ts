/**
 * @module Memory and swap from /proc/meminfo. "Used" is total minus MemAvailable, as `free` shows it.
 */
import type { MetricValues } from '../../protocol/metrics';
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

export function parseMeminfo(text: string): MetricValues {
  const kb: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (match) kb[match[1]!] = Number(match[2]);
  }
  const total = kb.MemTotal;
  if (total === undefined) throw new Error('/proc/meminfo has no MemTotal');
  // Kernels before 3.14 have no MemAvailable; free + buffers + cache is the classic estimate.
  const available = kb.MemAvailable ?? (kb.MemFree ?? 0) + (kb.Buffers ?? 0) + (kb.Cached ?? 0);
  const values: MetricValues = {
    memTotalBytes: total * 1024,
    memUsedBytes: Math.max(0, total - available) * 1024,
    memAvailableBytes: available * 1024,
    memBuffersCacheBytes: ((kb.Buffers ?? 0) + (kb.Cached ?? 0) + (kb.SReclaimable ?? 0)) * 1024,
  };
  if (kb.SwapTotal !== undefined) {
    values.swapTotalBytes = kb.SwapTotal * 1024;
    values.swapUsedBytes = Math.max(0, kb.SwapTotal - (kb.SwapFree ?? 0)) * 1024;
  }
  return values;
}

export function memoryCollector(meminfo: ProcFile): Collector {
  return {
    name: 'memory',
    collect(out) {
      Object.assign(out, parseMeminfo(meminfo.read()));
    },
  };
}
