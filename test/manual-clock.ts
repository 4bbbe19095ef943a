/**
 * @module A clock the test moves by hand: timers fire in due order as `advance` passes them, and
 * promise callbacks queued by each timer run before the next one fires.
 */
import type { Clock, Timer } from '../src/util/clock';

interface Pending {
  id: number;
  due: number;
  everyMs: number | null;
  fn: () => void;
}

export class ManualClock implements Clock {
  private pending: Pending[] = [];
  private nextId = 0;

  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): Timer {
    return this.add(Math.max(0, ms), null, fn);
  }

  every(ms: number, fn: () => void): Timer {
    return this.add(Math.max(1, ms), Math.max(1, ms), fn);
  }

  /** Timers still waiting to fire. */
  get timers(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing each timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      const next = this.pending.reduce<Pending | null>(
        (a, p) => (a === null || p.due < a.due || (p.due === a.due && p.id < a.id) ? p : a),
        null,
      );
      if (next === null || next.due > end) break;
      this.current = Math.max(this.current, next.due);
      if (next.everyMs === null) this.pending = this.pending.filter((p) => p !== next);
      else next.due += next.everyMs;
      next.fn();
      await flush();
    }
    this.current = end;
    await flush();
  }

  /** Sets the wall clock without firing anything, as NTP stepping the clock would. */
  set(ts: number): void {
    this.current = ts;
  }

  private add(ms: number, everyMs: number | null, fn: () => void): Timer {
    const entry: Pending = { id: this.nextId++, due: this.current + ms, everyMs, fn };
    this.pending.push(entry);
    const timer: Timer = {
      cancel: () => {
        this.pending = this.pending.filter((p) => p !== entry);
      },
      unref: () => timer,
    };
    return timer;
  }
}

/** Lets queued promise callbacks and immediates run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
