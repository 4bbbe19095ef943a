/**
 * @module Disk space over real filesystems: /proc/mounts filtered to block-device filesystems,
 * one entry per device (bind mounts counted once), sized with statfs.
 */
import { statfsSync } from 'node:fs';
import { DEVICE_LABEL } from '../../protocol/metrics';
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
}

const REAL_FS = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'zfs',
  'f2fs',
  'vfat',
  'exfat',
  'ntfs',
  'ntfs3',
  'fuseblk',
  'reiserfs',
  'jfs',
  'bcachefs',
  'hfsplus',
  'apfs',
  'ufs',
]);

/** Files a container runtime bind-mounts from the host disk; the container's root already counts that disk. */
const CONTAINER_FILES = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']);

/** /proc/mounts escapes spaces and tabs as octal (`\040`). */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountpoint, fstype] = line.split(' ');
    if (!device || !mountpoint || !fstype) continue;
    mounts.push({ device: unescapeMount(device), mountpoint: unescapeMount(mountpoint), fstype });
  }
  return mounts;
}

export function realFilesystems<M extends Mount>(mounts: readonly M[]): M[] {
  const seen = new Set<string>();
  const out: M[] = [];
  for (const m of mounts) {
    const containerRoot = m.fstype === 'overlay' && m.mountpoint === '/';
    if (!REAL_FS.has(m.fstype) && !containerRoot) continue;
    if (CONTAINER_FILES.has(m.mountpoint)) continue;
    if (seen.has(m.device)) continue;
    seen.add(m.device);
    out.push(m);
  }
  return out;
}

const MOUNTS_REFRESH_MS = 60_000;

/** A filesystem to size each sample, with its metric names made once. */
interface Sized {
  path: string;
  /** `diskUsedBytes.<mountpoint>` and `diskTotalBytes.<mountpoint>`, or null if the mount point cannot be a label. */
  names: [string, string] | null;
}

/** `hostRoot`: the prefix under which the mount points in `mountsFile` are reachable ('' for /). */
export function diskCollector(mountsFile: ProcFile, hostRoot = ''): Collector {
  let mounts: Sized[] = [];
  let readAt = -Infinity;
  return {
    name: 'disk',
    collect(out, monoMs) {
      if (monoMs - readAt >= MOUNTS_REFRESH_MS) {
        mounts = realFilesystems(parseMounts(mountsFile.read())).map((m) => ({
          path: hostRoot + m.mountpoint,
          names: DEVICE_LABEL.test(m.mountpoint) ? [`diskUsedBytes.${m.mountpoint}`, `diskTotalBytes.${m.mountpoint}`] : null,
        }));
        readAt = monoMs;
      }
      let used = 0;
      let total = 0;
      for (const m of mounts) {
        try {
          const s = statfsSync(m.path);
          total += s.blocks * s.bsize;
          used += (s.blocks - s.bfree) * s.bsize;
          if (m.names) {
            out[m.names[0]] = (s.blocks - s.bfree) * s.bsize;
            out[m.names[1]] = s.blocks * s.bsize;
          }
        } catch {
          // Unmounted since the last refresh or not readable: counted again once it is back.
        }
      }
      if (total > 0) {
        out.diskUsedBytes = used;
        out.diskTotalBytes = total;
      }
    },
  };
}
