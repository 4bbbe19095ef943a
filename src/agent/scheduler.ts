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
  const arm = () => {
    if (stopped) return;
    const t = now();
    const next = Math.floor((t - phaseMs) / intervalMs) * intervalMs + intervalMs + phaseMs;
    timer = setTimeout(() => {
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
