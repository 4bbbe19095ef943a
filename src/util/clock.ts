/**
 * @module Time as a parameter: the wall clock and the timers that go with it. Code that waits or
 * stamps takes a `Clock`, so tests drive it with `test/manual-clock.ts` in milliseconds instead
 * of sleeping through real seconds.
 */
import { steadyTime } from './steady-time';

/** A pending timer: cancel it, or let it not keep the process alive. */
export interface Timer {
  cancel(): void;
  /** The process may exit while this timer is pending (Node's `unref`). Returns the timer. */
  unref(): Timer;
}

export interface Clock {
  /** Unix ms. */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): Timer;
  /** Calls `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Timer;
}

function wrap(handle: NodeJS.Timeout, clear: (h: NodeJS.Timeout) => void): Timer {
  const timer: Timer = {
    cancel: () => clear(handle),
    unref: () => {
      handle.unref();
      return timer;
    },
  };
  return timer;
}

/** The real clock: the system's time, never going back (`steady-time.ts`), and Node's timers. */
export const systemClock: Clock = {
  now: () => steadyTime.now(),
  after: (ms, fn) => wrap(setTimeout(fn, ms), clearTimeout),
  every: (ms, fn) => wrap(setInterval(fn, ms), clearInterval),
};
