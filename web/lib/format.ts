/**
 * @module Formatting for people, language-neutral: IEC bytes, rates per second, durations,
 * percentages, days until a date, country flags.
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

/** Seconds from `ts` to `now`, rounded, never negative. */
export function secondsSince(ts: number, now: number): number {
  return Math.max(0, Math.round((now - ts) / 1000));
}

export function formatLoad(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(2);
}

export function formatCount(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toFixed(Math.abs(value) < 10 ? 2 : 1)));
}

/** Whole days from the start of `now`'s local day to the local date `yyyyMmDd` (negative once past). */
export function daysUntil(yyyyMmDd: string, now: number): number {
  const [y, m, d] = yyyyMmDd.split('-').map(Number) as [number, number, number];
  const today = new Date(now);
  const start = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  return Math.round((new Date(y, m - 1, d).getTime() - start.getTime()) / 86_400_000);
}

/** The flag emoji of a two-letter country code ("JP" -> 🇯🇵); empty for anything else. */
export function flagEmoji(code: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return '';
  return String.fromCodePoint(...[...code.toUpperCase()].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}

/** A short OS name for a card: "Debian GNU/Linux 12 (bookworm)" -> "Debian 12". */
export function shortOs(os: string): string {
  return os
    .replace(/ GNU\/Linux/, '')
    .replace(/\s*\(.*\)$/, '')
    .replace(/ LTS$/, '')
    .trim();
}

/** Axis labels for charts: IEC bytes without decimals noise. */
export function formatAxisBytes(bytes: number): string {
  return formatBytes(bytes).replace(/\.0+ /, ' ');
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** Degrees Celsius, whole degrees ("54 °C"). */
export function formatCelsius(c: number | undefined): string {
  if (c === undefined || !Number.isFinite(c)) return '–';
  return `${Math.round(c)} °C`;
}
