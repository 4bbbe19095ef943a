/**
 * @module Number formatting for people: IEC bytes, rates per second, durations, "ago".
 */

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < IEC.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${IEC[unit]}`;
}

export function formatRate(bytesPerSec: number | undefined): string {
  return bytesPerSec === undefined ? '–' : `${formatBytes(bytesPerSec)}/s`;
}

export function formatPercent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return `${value.toFixed(value < 10 ? 1 : 0)}%`;
}

/** Share of `used` in `total` as 0–100, or undefined when either is unknown. */
export function ratio(used: number | undefined, total: number | undefined): number | undefined {
  if (used === undefined || total === undefined || total <= 0) return undefined;
  return Math.min(100, Math.max(0, (used / total) * 100));
}

/** "3d 4h", "5h 12m", "7m 3s", "42s". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function formatAgo(ts: number | null, now: number): string {
  if (ts === null) return 'never';
  const seconds = Math.max(0, Math.round((now - ts) / 1000));
  return seconds < 5 ? 'just now' : `${formatDuration(seconds)} ago`;
}

export function formatLoad(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(2);
}
