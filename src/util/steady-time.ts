/**
 * @module Time that never goes back: the system clock, except after it is stepped back (NTP
 * correcting it, a person, a restart on a clock behind what is stored). Then it keeps counting
 * from where it was on the monotonic clock and eases back to the system clock at 1/16 of its pace,
 * so samples keep their order, no stamp is reused and no stored minute is written again.
 * A step forward is taken at once: it leaves a gap, and overwrites nothing.
 */
import { monoMs } from './mono';

/** Closer than this to the system clock counts as on it (NTP's own slewing stays inside). */
const ON_CLOCK_MS = 1000;
/** While ahead, time runs at 15/16 of its pace: a 1 min step is made up in 16 min, 1 h in 16 h. */
export const EASE = 1 / 16;

export interface ClockStep {
  /** When it was seen (on the system clock after the step), Unix ms. */
  at: number;
  /** How far the system clock moved beyond the time that passed: negative when stepped back. */
  byMs: number;
}

export class SteadyTime {
  private last: number;
  private lastWall: number;
  private lastMono: number;
  private step: ClockStep | null = null;
  private readonly listeners: ((step: ClockStep) => void)[] = [];

  constructor(
    private readonly wall: () => number = Date.now,
    private readonly mono: () => number = monoMs,
  ) {
    this.last = wall();
    this.lastWall = this.last;
    this.lastMono = mono();
  }

  now(): number {
    const wall = this.wall();
    const mono = this.mono();
    const elapsed = Math.max(0, mono - this.lastMono);
    const moved = wall - (this.lastWall + elapsed);
    if (Math.abs(moved) > ON_CLOCK_MS) this.stepped(wall, moved);
    const counted = this.last + elapsed;
    this.lastMono = mono;
    this.lastWall = wall;
    // On the system clock (or ahead of what was counted: a step forward), it is the time.
    if (wall >= counted - ON_CLOCK_MS) this.last = Math.max(this.last, wall);
    else this.last = Math.max(wall, this.last + elapsed * (1 - EASE));
    return this.last;
  }

  /**
   * Never earlier than `ts` from now on: at start, the newest time stored, which a clock stepped
   * back while the server was down would otherwise stamp new samples before.
   */
  notBefore(ts: number): void {
    const now = this.now();
    if (ts <= now) return;
    if (ts - now > ON_CLOCK_MS) this.stepped(now, now - ts);
    this.last = ts;
  }

  /** How far ahead of the system clock this time is while it eases back (0 when on it). */
  get aheadMs(): number {
    const ahead = this.now() - this.wall();
    return ahead > ON_CLOCK_MS ? Math.round(ahead) : 0;
  }

  /** The last step seen, if any. */
  get lastStep(): ClockStep | null {
    return this.step;
  }

  /** Calls `listener` on every step seen (to log it); returns what stops that. */
  onStep(listener: (step: ClockStep) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  private stepped(at: number, byMs: number): void {
    this.step = { at, byMs: Math.round(byMs) };
    for (const listener of this.listeners) listener(this.step);
  }
}

/** The process's time: what `systemClock.now()` answers. */
export const steadyTime = new SteadyTime();
