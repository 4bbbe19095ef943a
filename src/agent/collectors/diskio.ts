/**
 * @module Disk throughput from /proc/diskstats, summed over whole physical disks: partitions,
 * device-mapper, software RAID, loop and RAM devices would count the same I/O twice.
 */
import type { Collector } from './collector';
import { summedRates } from './collector';
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
  const rates = summedRates<DiskCounters>(
    { diskReadBytesPerSec: 'readBytes', diskWriteBytesPerSec: 'writtenBytes', diskReadOpsPerSec: 'reads', diskWriteOpsPerSec: 'writes' },
    isWholeDisk,
  );
  return {
    name: 'diskio',
    collect(out, monoMs) {
      Object.assign(out, rates(parseDiskstats(diskstats.read()), monoMs));
    },
  };
}
