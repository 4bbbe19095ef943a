/**
 * @module Calls `tick` on wall-clock multiples of the interval (…:00, …:01 at 1 s), so samples
 * from every node line up; a late timer is never made up for with a burst.
 */

export interface Scheduler {
  stop(): void;
}

export function schedule(intervalMs: number, tick: (ts: number) => void, now: () => number = Date.now): Scheduler {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const t = now();
    const next = Math.floor(t / intervalMs) * intervalMs + intervalMs;
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
