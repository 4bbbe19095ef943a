/**
 * @module One agent connection's clock offset, learnt from its live samples: how far the node's
 * clock (`ts`) is from the server's (arrival), so samples from a node whose clock is off by
 * minutes or days are stored at the server's time instead of refused or misplaced.
 *
 * arrival − ts is the offset plus the network and queueing delay, which only ever adds: the
 * smallest of the recent values is the best estimate. A clock stepped back (NTP, or a person)
 * makes every new value larger; a stall that delivers held samples at once does too, but those
 * arrive together with ts an interval apart, while after a step they keep arriving on cadence.
 * So a step back is believed when STEP_CONFIRM newest samples in a row agree on a larger offset.
 */

/** Offsets this small are the network's, not the clock's: samples are stored as stamped. */
export const SYNCED_WITHIN_MS = 1000;
/** Recent newest samples the estimate is the minimum of. */
const WINDOW = 16;
/** A larger offset than this over the estimate is a candidate for a step back. */
const STEP_MS = 5000;
const STEP_CONFIRM = 3;

export class ClockOffset {
  private readonly recent: number[] = [];
  private candidates: number[] = [];
  private lastSeq = -Infinity;
  private estimate: number | null = null;

  /** @param agreeMs how closely the offsets of a confirmed step must agree (half the interval, at most 1 s). */
  constructor(private readonly agreeMs = 500) {}

  /** Learns from a sample as it arrives; only the newest seq so far counts (older ones are backfill). */
  observe(seq: number, ts: number, arrival: number): void {
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    const d = arrival - ts;
    if (this.estimate !== null && d > this.estimate + STEP_MS) {
      this.candidates.push(d);
      const spread = Math.max(...this.candidates) - Math.min(...this.candidates);
      if (spread > this.agreeMs) this.candidates = [d];
      if (this.candidates.length >= STEP_CONFIRM) {
        this.recent.length = 0;
        this.recent.push(...this.candidates);
        this.candidates = [];
        this.estimate = Math.min(...this.recent);
      }
      return;
    }
    this.candidates = [];
    this.recent.push(d);
    if (this.recent.length > WINDOW) this.recent.shift();
    this.estimate = Math.min(...this.recent);
  }

  /** What to add to the node's `ts` to get the server's time: 0 while the clocks agree. */
  get offsetMs(): number {
    return this.estimate !== null && Math.abs(this.estimate) > SYNCED_WITHIN_MS ? Math.round(this.estimate) : 0;
  }

  /** A sample's time on the server's clock. */
  correct(ts: number): number {
    return ts + this.offsetMs;
  }
}
