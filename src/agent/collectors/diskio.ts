/**
 * @module Disk throughput from /proc/diskstats, summed over whole physical disks: partitions,
 * device-mapper, software RAID, loop and RAM devices would count the same I/O twice.
 */
import { ByteCursor } from './byte-cursor';
import type { Collector } from './collector';
import { DeviceRates } from './device-rates';
import type { ProcFile } from './proc-file';

/** /proc/diskstats counts 512-byte sectors whatever the device's real sector size. */
const SECTOR_BYTES = 512;

export interface DiskCounters {
  reads: number;
  readBytes: number;
  writes: number;
  writtenBytes: number;
}

/** Fields 4 to 10 of a line: reads, reads merged, sectors read, ms reading, writes, writes merged, sectors written. */
const FIELDS = 7;

/**
 * Reads one line at `c` (major, minor, name, then the counters into `n`) and moves to the next;
 * returns the device name, or null for a line without the seven counters.
 */
function diskLine(c: ByteCursor, n: Float64Array): string | null {
  c.skipWord();
  c.skipWord();
  const name = c.word();
  let ok = name !== '';
  for (let i = 0; i < FIELDS && ok; i++) ok = !Number.isNaN((n[i] = c.number()));
  c.nextLine();
  return ok ? name : null;
}

export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  const c = ByteCursor.of(text);
  const n = new Float64Array(FIELDS);
  while (!c.done) {
    const name = diskLine(c, n);
    if (name !== null) out.set(name, { reads: n[0]!, readBytes: n[2]! * SECTOR_BYTES, writes: n[4]!, writtenBytes: n[6]! * SECTOR_BYTES });
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
  // In the order of the counters each device's state keeps: read bytes, written bytes, reads, writes.
  const rates = new DeviceRates(['diskReadBytesPerSec', 'diskWriteBytesPerSec', 'diskReadOpsPerSec', 'diskWriteOpsPerSec'], isWholeDisk);
  const n = new Float64Array(FIELDS);
  return {
    name: 'diskio',
    collect(out, monoMs) {
      const c = diskstats.cursor();
      rates.begin();
      while (!c.done) {
        const name = diskLine(c, n);
        if (name === null) continue;
        const d = rates.device(name);
        d.cur[0] = n[2]! * SECTOR_BYTES;
        d.cur[1] = n[6]! * SECTOR_BYTES;
        d.cur[2] = n[0]!;
        d.cur[3] = n[4]!;
        rates.done(d);
      }
      rates.finish(out, monoMs);
    },
  };
}
