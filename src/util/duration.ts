/**
 * @module Human durations ("500ms", "1s", "5m", "2h", "1d") to milliseconds.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Returns milliseconds, or null if `text` is not a duration. A bare number means seconds. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!;
  return Number.isFinite(ms) ? Math.round(ms) : null;
}
