/**
 * @module Each node's clock offset as applied to its samples, kept in the store's settings: a
 * restarted server stamps what agents send again (unacked when it went down) as it did before, so
 * the store knows those samples (first copy of a ts wins) instead of keeping them twice.
 */
import type { SettingsStore } from '../../store/store';
import { log } from '../../util/log';
import type { Hub } from './hub';

const SETTING = 'clockOffsets';

/** Gives the hub the offsets saved before the last stop. */
export function restoreClockOffsets(store: Pick<SettingsStore, 'getSetting'>, hub: Pick<Hub, 'setClockOffset'>): void {
  const saved = JSON.parse(store.getSetting(SETTING) ?? '{}') as Record<string, number>;
  for (const [id, offsetMs] of Object.entries(saved)) hub.setClockOffset(Number(id), offsetMs);
}

/** Saves the hub's offsets when they changed since the last save (they change on clock steps only). */
export function clockOffsetSaver(store: Pick<SettingsStore, 'getSetting' | 'putSetting'>, hub: Pick<Hub, 'clockOffsets'>): () => void {
  let last = store.getSetting(SETTING) ?? '{}';
  return () => {
    const now = JSON.stringify(hub.clockOffsets());
    if (now === last) return;
    try {
      store.putSetting(SETTING, now);
      last = now;
    } catch (err) {
      log.error('cannot save clock offsets', { code: 'PROBE_ERR_STORE', error: (err as Error).message });
    }
  };
}
