/**
 * @module Disk throughput from /proc/diskstats, summed over whole physical disks: partitions,
 * device-mapper, software RAID, loop and RAM devices would count the same I/O twice.
 */
import type { Collector } from './collector';
import { counterRate } from './collector';
import type { ProcFile } from './proc-file';

/** /proc/diskstats counts 512-byte sectors whatever the device's real sector size. */
const SECTOR_BYTES = 512;

export interface DiskCounters {
  reads: number;
  readBytes: number;
  writes: number;
  writtenBytes: number;
}

export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const n = f.slice(3, 10).map(Number);
    if (n.some((v) => !Number.isFinite(v))) continue;
    out.set(f[2]!, { reads: n[0]!, readBytes: n[2]! * SECTOR_BYTES, writes: n[4]!, writtenBytes: n[6]! * SECTOR_BYTES });
  }
  return out;
}

export function isWholeDisk(name: string): boolean {
  if (/^(loop|ram|zram|fd|sr|dm-|md|nbd)/.test(name)) return false;
  if (/^(sd|hd|vd|xvd)[a-z]+\d+$/.test(name)) return false;
  if (/^(nvme\d+n\d+|mmcblk\d+)p\d+$/.test(name)) return false;
  return true;
}

export function diskIoCollector(diskstats: ProcFile): Collector {
  let prev = new Map<string, DiskCounters>();
  let prevMono = 0;
  return {
    name: 'diskio',
    collect(out, monoMs) {
      const cur = parseDiskstats(diskstats.read());
      const dt = monoMs - prevMono;
      const sums = { diskReadBytesPerSec: 0, diskWriteBytesPerSec: 0, diskReadOpsPerSec: 0, diskWriteOpsPerSec: 0 };
      let known = false;
      for (const [name, c] of cur) {
        if (!isWholeDisk(name)) continue;
        const before = prev.get(name);
        const rates = [
          counterRate(before?.readBytes, c.readBytes, dt),
          counterRate(before?.writtenBytes, c.writtenBytes, dt),
          counterRate(before?.reads, c.reads, dt),
          counterRate(before?.writes, c.writes, dt),
        ];
        if (rates.some((r) => r === null)) continue;
        sums.diskReadBytesPerSec += rates[0]!;
        sums.diskWriteBytesPerSec += rates[1]!;
        sums.diskReadOpsPerSec += rates[2]!;
        sums.diskWriteOpsPerSec += rates[3]!;
        known = true;
      }
      const first = prev.size === 0;
      prev = cur;
      prevMono = monoMs;
      if (known || !first) for (const [key, v] of Object.entries(sums)) out[key] = Math.round(v);
    },
  };
}
