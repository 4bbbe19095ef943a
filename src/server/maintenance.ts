/**
 * @module Background upkeep of the store: packs closed minutes into blocks (in small batches, so
 * ingest never waits long for the database) and deletes history past its retention.
 */
import type { Store } from '../store/store';
import type { Retention } from '../store/tiers';
import { log } from '../util/log';

export interface MaintenanceOptions {
  compactEveryMs: number;
  retentionEveryMs: number;
  /** Node-minutes packed per transaction. */
  compactBatch: number;
  /** Blocks deleted per transaction. */
  retentionBatch: number;
  now?: () => number;
}

export const DEFAULT_MAINTENANCE: MaintenanceOptions = { compactEveryMs: 2000, retentionEveryMs: 60_000, compactBatch: 50, retentionBatch: 1000 };

export function startMaintenance(store: Store, retention: Retention, options: MaintenanceOptions = DEFAULT_MAINTENANCE): { stop(): void } {
  const now = options.now ?? Date.now;
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
  const compactLoop = () => {
    if (stopped) return;
    const n = guard('packing samples', () => store.compact(now(), options.compactBatch));
    if (n === options.compactBatch) setImmediate(compactLoop);
  };
  const retentionLoop = () => {
    if (stopped) return;
    const n = guard('deleting old history', () => store.applyRetention(now(), retention, options.retentionBatch));
    if (n === options.retentionBatch) setImmediate(retentionLoop);
  };
  const compactTimer = setInterval(compactLoop, options.compactEveryMs);
  const retentionTimer = setInterval(retentionLoop, options.retentionEveryMs);
  compactTimer.unref();
  retentionTimer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(compactTimer);
      clearInterval(retentionTimer);
    },
  };
}
