/**
 * @module One agent connection's clock offset, learnt from its live samples: how far the node's
 * clock (`ts`) is from the server's (arrival), so samples from a node whose clock is off by
 * minutes or days are stored at the server's time instead of refused or misplaced.
 *
 * arrival − ts is the offset plus the network and queueing delay, which only ever adds: the
 * smallest of the recent values is the best estimate. A clock stepped back (NTP, or a person)
 * makes every new value larger; a stall that delivers held samples at once does too, but those
 * arrive together with ts an interval apart, while after a step they keep arriving on cadence.
 * So a step back is believed when STEP_CONFIRM newest samples in a row agree on a larger offset,
 * and so is the first estimate, unless hello brought the node's clock (then at once): the first
 * samples of a connection may be backfill, stamped long ago, with seqs never seen.
 */

/** Offsets this small are the network's, not the clock's: samples are stored as stamped. */
export const SYNCED_WITHIN_MS = 1000;
/** Recent newest samples the estimate is the minimum of. */
const WINDOW = 16;
/** A larger offset than this over the estimate is a candidate for a step back. */
const STEP_MS = 5000;
const STEP_CONFIRM = 3;
/** As the hub's LIVE_LEAD_MS: later stamps are from the future. */
const FUTURE_MS = 5000;

export class ClockOffset {
  private readonly recent: number[] = [];
  private candidates: number[] = [];
  private lastSeq = -Infinity;
  private estimate: number | null = null;
  private lastNewest = -Infinity;

  /** @param agreeMs how closely the offsets of a confirmed step must agree (half the interval, at most 1 s). */
  constructor(private readonly agreeMs = 500) {}

  /** Learns from a sample as it arrives; only the newest seq so far counts (older ones are backfill). */
  observe(seq: number, ts: number, arrival: number): void {
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    const d = arrival - ts;
    if (this.estimate !== null && d <= this.estimate + STEP_MS) {
      this.candidates = [];
      this.recent.push(d);
      if (this.recent.length > WINDOW) this.recent.shift();
      this.estimate = Math.min(...this.recent);
      return;
    }
    // No estimate yet, or a larger offset: believed once STEP_CONFIRM newest samples in a row agree.
    this.candidates.push(d);
    if (Math.max(...this.candidates) - Math.min(...this.candidates) > this.agreeMs) this.candidates = [d];
    if (this.candidates.length >= STEP_CONFIRM) {
      this.recent.length = 0;
      this.recent.push(...this.candidates);
      this.candidates = [];
      this.estimate = Math.min(...this.recent);
    }
  }

  /**
   * Starts over from a hello's stamp: sent the moment the connection opened, it is live by
   * definition, and the clock may have been stepped while the node was away. Seqs seen before
   * stay seen (what the node resends now is backfill).
   */
  restart(ts: number, arrival: number): void {
    this.candidates = [];
    this.recent.length = 0;
    this.recent.push(arrival - ts);
    this.estimate = arrival - ts;
  }

  /** What to add to the node's `ts` to get the server's time: 0 while the clocks agree. */
  get offsetMs(): number {
    return this.estimate !== null && Math.abs(this.estimate) > SYNCED_WITHIN_MS ? Math.round(this.estimate) : 0;
  }

  /** A sample's time on the server's clock. */
  correct(ts: number): number {
    return ts + this.offsetMs;
  }

  /**
   * Learns from a sample (see observe) and gives its time on the server's clock. The newest
   * samples keep their order: one that would land at or before the previous newest (a step back
   * not confirmed yet, which would put it on an older sample's time, or the offset passing
   * SYNCED_WITHIN_MS, which moves the correction by a second at once, as it does while the server's
   * own time eases back after a step) is stamped on arrival, or just after the previous newest.
   */
  take(seq: number, ts: number, arrival: number): number {
    const newest = seq > this.lastSeq;
    this.observe(seq, ts, arrival);
    let at = this.correct(ts);
    if (!newest) return at;
    if (at <= this.lastNewest) at = Math.max(arrival, this.lastNewest + 1);
    // A stamp from the future is refused or held by the hub: it must not push the others.
    if (at <= arrival + FUTURE_MS) this.lastNewest = Math.max(this.lastNewest, at);
    return at;
  }
}
