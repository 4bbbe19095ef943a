/**
 * @module The server's time across steps of the system clock (see util/steady-time.ts), kept
 * across restarts: how far ahead of the system clock it is gets saved every few seconds while it
 * eases back, so a server restarted on a clock stepped back picks up where it was (less the easing
 * it missed) instead of stamping new samples before the ones stored. It never starts before the
 * newest sample stored either. Steps are logged; /healthz tells admins how far ahead it still is.
 */
import type { SettingsStore, StoredSample } from '../store/store';
import type { Clock } from '../util/clock';
import { log } from '../util/log';
import { EASE, type SteadyTime, steadyTime } from '../util/steady-time';

const SETTING = 'serverClock';
const SAVE_EVERY_MS = 5000;

/** What /healthz tells an admin while the server's time is off the system clock. */
export interface ClockHealth {
  /** How far ahead of the system clock the server's time is, easing back. */
  clockAheadMs?: number;
  /** The last step of the system clock the server saw (ms, negative: back) and when. */
  clockStepMs?: number;
  clockStepAt?: number;
}

interface Saved {
  aheadMs: number;
  /** The system clock when saved. */
  wallAt: number;
}

/**
 * Where the server's time starts: after what is stored, and ahead by what was saved, less the easing
 * since. Says whether anything was saved.
 */
function resume(store: SettingsStore, latest: readonly StoredSample[], time: SteadyTime, wall: number): boolean {
  const saved = JSON.parse(store.getSetting(SETTING) ?? 'null') as Saved | null;
  if (saved && wall >= saved.wallAt) {
    const ahead = saved.aheadMs - (wall - saved.wallAt) * EASE;
    if (ahead > 0) time.notBefore(wall + ahead);
  }
  let newest = 0;
  for (const s of latest) newest = Math.max(newest, s.ts);
  time.notBefore(newest);
  return saved !== null;
}

export function startServerClock(
  store: SettingsStore,
  latest: readonly StoredSample[],
  clock: Pick<Clock, 'every'>,
  time: SteadyTime = steadyTime,
  wall: () => number = Date.now,
): { stop(): void; health(): ClockHealth } {
  const off = time.onStep((step) => {
    if (step.byMs > 0) log.info('the system clock stepped forward: samples continue from the new time', { stepMs: step.byMs });
    else
      log.warn('the system clock stepped back: the server keeps counting and eases back to it at 1/16 of its pace', {
        stepMs: step.byMs,
      });
  });
  let saved = resume(store, latest, time, wall());
  const save = () => {
    const aheadMs = time.aheadMs;
    if (aheadMs === 0 && !saved) return;
    store.putSetting(SETTING, aheadMs === 0 ? null : JSON.stringify({ aheadMs, wallAt: wall() } satisfies Saved));
    saved = aheadMs !== 0;
  };
  save();
  const timer = clock.every(SAVE_EVERY_MS, save).unref();
  return {
    stop: () => {
      timer.cancel();
      off();
    },
    health: () => {
      const ahead = time.aheadMs;
      const step = time.lastStep;
      return {
        ...(ahead > 0 && { clockAheadMs: ahead }),
        ...(step && { clockStepMs: step.byMs, clockStepAt: step.at }),
      };
    },
  };
}
