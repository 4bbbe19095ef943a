/**
 * @module History tiers: raw samples, then avg/min/max rollups at 1 min, 15 min and 1 h.
 * Each tier is stored in blocks covering `blockMs`; a tier's retention says how long it is kept.
 */

export type TierName = 'raw' | '1m' | '15m' | '1h';

export interface Tier {
  id: number;
  name: TierName;
  /** Bucket width; 0 for raw, whose step is the agent's interval. */
  stepMs: number;
  /** Time one stored block covers. */
  blockMs: number;
}

export const TIERS: readonly Tier[] = [
  { id: 0, name: 'raw', stepMs: 0, blockMs: 60_000 },
  { id: 1, name: '1m', stepMs: 60_000, blockMs: 3_600_000 },
  { id: 2, name: '15m', stepMs: 900_000, blockMs: 86_400_000 },
  { id: 3, name: '1h', stepMs: 3_600_000, blockMs: 7 * 86_400_000 },
];

export type Retention = Record<TierName, number>;

export const DEFAULT_RETENTION: Retention = {
  raw: 24 * 3_600_000,
  '1m': 7 * 86_400_000,
  '15m': 90 * 86_400_000,
  '1h': 400 * 86_400_000,
};

export function floorTo(ts: number, stepMs: number): number {
  return ts - (((ts % stepMs) + stepMs) % stepMs);
}
