/**
 * @module Background upkeep of the store: packs closed minutes into blocks (in small batches, so
 * ingest never waits long for the database), deletes history past its retention, and in a
 * database from before per-node metric names, records whose names are whose (store.censusMetricNames).
 */
import type { SeriesStore } from '../store/store';
import type { Retention } from '../store/tiers';
import { systemClock } from '../util/clock';
import type { Clock } from '../util/clock';
import { log } from '../util/log';

export interface MaintenanceOptions {
  compactEveryMs: number;
  retentionEveryMs: number;
  /**
   * Work per transaction: node-minutes packed (a node-hour rolled up counts as ten). A node-minute
   * is ~0.5 ms (its block built, deflated and written): 25 held the loop for 13-40 ms at a time.
   */
  compactBatch: number;
  /**
   * Least pause between two full batches; the pause is also at least twice what the batch took,
   * so upkeep takes at most a third of the event loop. Back to back, packing the minute of 10 000
   * nodes held the event loop for seconds after each minute, and samples reached the page up to
   * 0.5 s late; rolling up their hour would have held it for minutes.
   */
  compactPauseMs: number;
  /** Blocks deleted per transaction. */
  retentionBatch: number;
  /** Journal rows or blocks read per census step (when there is nothing to pack). */
  censusBatch: number;
  /** The system clock unless a test moves time by hand. */
  clock?: Clock;
}

export const DEFAULT_MAINTENANCE: MaintenanceOptions = {
  compactEveryMs: 2000,
  retentionEveryMs: 60_000,
  compactBatch: 8,
  compactPauseMs: 10,
  retentionBatch: 1000,
  censusBatch: 200,
};

export function startMaintenance(
  store: Pick<SeriesStore, 'compact' | 'censusMetricNames' | 'applyRetention'>,
  retention: Retention,
  options: MaintenanceOptions = DEFAULT_MAINTENANCE,
): { stop(): void } {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  let stopped = false;
  let failing = false;
  const guard = (what: string, fn: () => number): number => {
    try {
      const n = fn();
      if (failing) log.info('store upkeep works again');
      failing = false;
      return n;
    } catch (err) {
      if (!failing) log.error(`store upkeep failed: ${what}`, { code: 'PROBE_ERR_STORE', error: (err as Error).message });
      failing = true;
      return 0;
    }
  };
  // A full batch means more is waiting: continue on the next turn of the event loop.
  // While a run of batches goes on, the timer does not start another.
  let packing = false;
  const compactLoop = () => {
    if (stopped) return;
    const started = performance.now();
    const n = guard('packing samples', () => store.compact(now(), options.compactBatch));
    // With nothing to pack, a batch of the census, if one is still to be done.
    const census =
      n < options.compactBatch ? guard('recording metric names per node', () => store.censusMetricNames(options.censusBatch)) : 0;
    packing = n >= options.compactBatch || census >= options.censusBatch;
    if (packing) clock.after(Math.max(options.compactPauseMs, 2 * (performance.now() - started)), compactLoop).unref();
  };
  const retentionLoop = () => {
    if (stopped) return;
    const n = guard('deleting old history', () => store.applyRetention(now(), retention, options.retentionBatch));
    if (n === options.retentionBatch) clock.after(0, retentionLoop).unref();
  };
  const compactTimer = clock.every(options.compactEveryMs, () => packing || compactLoop()).unref();
  const retentionTimer = clock.every(options.retentionEveryMs, retentionLoop).unref();
  return {
    stop() {
      stopped = true;
      compactTimer.cancel();
      retentionTimer.cancel();
    },
  };
}
