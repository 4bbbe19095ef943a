/**
 * @module Test history for forecasts: days of samples of a filling filesystem (with a daily
 * wiggle, as real disks have), written through a Store and packed into its hourly rollups.
 */
import { valuesRow } from '../../src/protocol/row';
import type { Store } from '../../src/store/store';

export const GiB = 1024 ** 3;
const DAY_MS = 86_400_000;

export interface DiskHistory {
  /** The last sample's time (Unix ms). */
  until: number;
  days: number;
  /** Used bytes at the first sample, and growth per day. */
  startBytes: number;
  perDayBytes: number;
  totalBytes: number;
  mount?: string;
  /** One sample every … (default 15 min). */
  stepMs?: number;
  /** Other metrics each sample carries. */
  extra?: Record<string, number>;
}

/** Used bytes at `ts` of the history `h`: the trend plus a small daily wiggle. */
export function usedAt(h: DiskHistory, ts: number): number {
  const days = (ts - (h.until - h.days * DAY_MS)) / DAY_MS;
  return h.startBytes + h.perDayBytes * days + 0.2 * GiB * Math.sin(2 * Math.PI * days);
}

/** Writes the samples, then packs and rolls them up as the server's upkeep would. Returns the last one's values. */
export function writeDiskHistory(store: Store, nodeId: number, h: DiskHistory, seq0 = 0): Record<string, number> {
  const step = h.stepMs ?? 15 * 60_000;
  const mount = h.mount ?? '/';
  let seq = seq0;
  let last: Record<string, number> = {};
  const batch = [];
  for (let ts = h.until - h.days * DAY_MS; ts <= h.until; ts += step) {
    const used = Math.round(usedAt(h, ts));
    last = {
      diskUsedBytes: used,
      diskTotalBytes: h.totalBytes,
      [`diskUsedBytes.${mount}`]: used,
      [`diskTotalBytes.${mount}`]: h.totalBytes,
      ...h.extra,
    };
    const row = valuesRow(last);
    batch.push({ nodeId, seq: ++seq, ts, row, newNames: seq === seq0 + 1 ? row.names : undefined });
  }
  store.writeSamples(batch);
  while (store.compact(h.until + 2 * 3_600_000, 100_000) >= 100_000);
  return last;
}
