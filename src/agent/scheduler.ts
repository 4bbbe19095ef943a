/**
 * @module Calls `tick` on wall-clock multiples of the interval shifted by a fixed phase, so one
 * node's samples are evenly spaced while a fleet's samples do not all reach the server in the
 * same millisecond; a late timer is never made up for with a burst.
 */

export interface Scheduler {
  stop(): void;
}

export function schedule(intervalMs: number, tick: (ts: number) => void, phaseMs = 0, now: () => number = Date.now): Scheduler {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let last = -Infinity;
  const arm = () => {
    if (stopped) return;
    const t = now();
    // Timers may fire a little early; never tick the same boundary twice.
    const next = Math.max(Math.floor((t - phaseMs) / intervalMs) * intervalMs + intervalMs + phaseMs, last + intervalMs);
    timer = setTimeout(() => {
      last = next;
      tick(next);
      arm();
    }, next - t);
  };
  arm();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
