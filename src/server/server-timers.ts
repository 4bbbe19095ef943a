/**
 * @module The server's periodic work besides maintenance: saving traffic counters and nodes' clock offsets, ticking the
 * alert engine, and looking for changes other processes made to the database.
 */
import type { SeriesStore, SettingsStore } from '../store/store';
import type { Clock } from '../util/clock';
import { log } from '../util/log';
import { clockOffsetSaver } from './fleet/clock-offsets';
import type { Hub } from './fleet/hub';
import type { NodeSync } from './fleet/node-sync';

/** How often the server looks for nodes added, removed or re-keyed by the CLI. */
const EXTERNAL_CHANGE_POLL_MS = 1000;
const TRAFFIC_SAVE_MS = 60_000;
const CLOCK_OFFSETS_SAVE_MS = 5000;

export interface TimerParts {
  clock: Clock;
  store: Pick<SeriesStore, 'putTrafficStates'> & Pick<SettingsStore, 'getSetting' | 'putSetting'>;
  hub: Pick<Hub, 'traffic' | 'clockOffsets'>;
  alerts: { start(everyMs: number): { cancel(): void } };
  sync: Pick<NodeSync, 'poll'>;
  live: { recheck(): void };
}

/** Saves the traffic counters changed since the last save; a failure is logged and retried next time. */
export function saveTraffic(parts: Pick<TimerParts, 'store' | 'hub'>): void {
  try {
    parts.store.putTrafficStates(parts.hub.traffic.takeDirty());
  } catch (err) {
    log.error('cannot save traffic counters', { code: 'PROBE_ERR_STORE', error: (err as Error).message });
  }
}

/** Starts the timers; `stop` cancels them all. */
export function startServerTimers(parts: TimerParts, alertTickMs: number): { stop(): void } {
  const timers = [
    // Losing this timer's work costs nothing: the counters saved with it make the next sample count the gap.
    parts.clock.every(TRAFFIC_SAVE_MS, () => saveTraffic(parts)).unref(),
    parts.clock.every(CLOCK_OFFSETS_SAVE_MS, clockOffsetSaver(parts.store, parts.hub)).unref(),
    parts.alerts.start(alertTickMs),
    parts.clock
      .every(EXTERNAL_CHANGE_POLL_MS, () => {
        // `probe admin set-password` signs every session out: admins' live feeds are checked again.
        if (parts.sync.poll()) parts.live.recheck();
      })
      .unref(),
  ];
  return { stop: () => timers.forEach((timer) => timer.cancel()) };
}
