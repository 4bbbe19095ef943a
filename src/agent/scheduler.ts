/**
 * @module Calls `tick` on wall-clock multiples of the interval shifted by a fixed phase, so one
 * node's samples are evenly spaced while a fleet's samples do not all reach the server in the
 * same millisecond; a late timer is never made up for with a burst.
 */
import { systemClock } from '../util/clock';
import type { Clock, Timer } from '../util/clock';

export interface Scheduler {
  stop(): void;
}

export function schedule(intervalMs: number, tick: (ts: number) => void, phaseMs = 0, clock: Clock = systemClock): Scheduler {
  let timer: Timer | null = null;
  let stopped = false;
  let last = -Infinity;
  const arm = () => {
    if (stopped) return;
    const t = clock.now();
    // Timers may fire a little early; never tick the same boundary twice.
    const next = Math.max(Math.floor((t - phaseMs) / intervalMs) * intervalMs + intervalMs + phaseMs, last + intervalMs);
    timer = clock.after(next - t, () => {
      last = next;
      tick(next);
      arm();
    });
  };
  arm();
  return {
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
