/**
 * @module Disk space where there is no /proc, from systeminformation's fsSize (`df` on macOS and
 * the BSDs, PowerShell on Windows) refreshed in the background: the metrics disk.ts reports.
 */
import { DEVICE_LABEL } from '../../protocol/metrics';
import type { MetricValues } from '../../protocol/metrics';
import { backgroundCollector, backgroundReading } from './background';
import type { BackgroundCollector } from './background';
import { realFilesystems } from './disk';

/** One filesystem as fsSize lists it, sizes in bytes. */
export interface FsSizeEntry {
  fs: string;
  type: string;
  size: number;
  used: number;
  mount: string;
}

/**
 * As disk.ts re-reads its mounts: filesystems come and go rarely, and fill slowly. On macOS each
 * call also runs `diskutil list` and `mount` synchronously, holding the event loop while they run.
 */
export const DISK_PERIOD_MS = 60_000;
/** Three missed refreshes: older figures are no longer shown. */
const DISK_STALE_MS = 3 * DISK_PERIOD_MS;

/**
 * realFilesystems knows Linux's type names; macOS and Windows name some real disks otherwise
 * (ReFS counts as NTFS does: a local Windows volume). Windows also lists mapped network drives
 * as NTFS, and fsSize does not say which drives are remote, so those count too.
 */
const LINUX_TYPE: Readonly<Record<string, string>> = { hfs: 'hfsplus', msdos: 'vfat', fat: 'vfat', fat32: 'vfat', refs: 'ntfs' };

/**
 * The space a filesystem draws from. APFS volumes share their container's: df gives each volume
 * the container's size and its own used bytes, so the container's size counts once in the total.
 */
function spaceOf(device: string, fstype: string): string {
  const container = fstype === 'apfs' ? /^\/dev\/(disk\d+)s\d/.exec(device) : null;
  return container ? container[1]! : device;
}

/** macOS's own volumes beside / and Data (VM, Preboot, Update …) count in the totals; a chart line each would be noise. */
const MAC_SYSTEM_VOLUME = /^\/System\/Volumes\/(?!Data$)/;

/** Throws when no real filesystem is listed: fsSize answers [] when `df` or PowerShell failed. */
export function fsSizeMetrics(entries: readonly FsSizeEntry[]): MetricValues {
  const mounts = entries
    .filter((e) => e.size > 0 && e.used >= 0)
    .map((e) => {
      const type = e.type.toLowerCase();
      return { device: e.fs, mountpoint: e.mount, fstype: LINUX_TYPE[type] ?? type, entry: e };
    });
  const out: MetricValues = {};
  const spaces = new Set<string>();
  let used = 0;
  let total = 0;
  for (const m of realFilesystems(mounts)) {
    const { size, used: mountUsed } = m.entry;
    used += mountUsed;
    const space = spaceOf(m.device, m.fstype);
    if (!spaces.has(space)) total += size;
    spaces.add(space);
    // Windows drives keep the name people know them by, `C:` (DEVICE_LABEL allows ':'), so
    // `diskUsedBytes.C:`; a path such as `/c` would name a mount point that exists nowhere.
    if (DEVICE_LABEL.test(m.mountpoint) && !MAC_SYSTEM_VOLUME.test(m.mountpoint)) {
      out[`diskUsedBytes.${m.mountpoint}`] = mountUsed;
      out[`diskTotalBytes.${m.mountpoint}`] = size;
    }
  }
  if (total === 0) throw new Error('no real filesystem listed');
  out.diskUsedBytes = used;
  out.diskTotalBytes = total;
  return out;
}

/** `now`: the monotonic clock in ms that times the refreshes (collect's own clock is not used). */
export function portableDiskCollector(fsSize: () => Promise<readonly FsSizeEntry[]>, now: () => number): BackgroundCollector {
  const reading = backgroundReading(async () => fsSizeMetrics(await fsSize()), {
    name: 'fsSize',
    periodMs: DISK_PERIOD_MS,
    staleMs: DISK_STALE_MS,
    now,
  });
  return backgroundCollector('disk', reading);
}
