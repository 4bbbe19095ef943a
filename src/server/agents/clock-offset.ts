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
 *
 * The offset applied moves only when the estimate leaves it by more than SYNCED_WITHIN_MS, and
 * it outlives connections (and, saved by the hub, restarts): a sample sent again after a
 * reconnect gets the stamp it got the first time, which is how the store knows it (first copy of
 * a ts wins), instead of one a few ms off from a new estimate. When a hello moves it, the samples
 * seen before (sent again now, unacked) keep the offset they were stamped with.
 */

/** Offsets this small are the network's, not the clock's: samples are stored as stamped. */
export const SYNCED_WITHIN_MS = 1000;
/** Recent newest samples the estimate is the minimum of. */
const WINDOW = 16;
/** A larger offset than this over the estimate is a candidate for a step back. */
const STEP_MS = 5000;
const STEP_CONFIRM = 3;
/**
 * Stamps remembered by seq, for samples sent again: an ack interval's worth and more (a hold while
 * the disk is full leaves samples unacked for as long as it lasts; past this, the offset rules
 * above give the same stamp unless the offset moved meanwhile).
 */
const RECENT = 32;
/** As the hub's LIVE_LEAD_MS: later stamps are from the future. */
const FUTURE_MS = 5000;

export class ClockOffset {
  /**
   * The last WINDOW offsets of newest samples, a ring (`recentCount` of them, the next at
   * `recentHead`): a sample a second from each of thousands of agents pays no array shift,
   * spread or new array here (at 10 000 agents those were ~4 % of the bytes the server allocated).
   */
  private readonly recent = new Float64Array(WINDOW);
  private recentCount = 0;
  private recentHead = 0;
  private readonly candidates: number[] = [];
  private lastSeq = -Infinity;
  private estimate: number | null = null;
  private lastNewest = -Infinity;

  private readonly recentSeq = new Float64Array(RECENT).fill(Number.NaN);
  private readonly recentTs = new Float64Array(RECENT);
  private readonly recentAt = new Float64Array(RECENT);
  private recentNext = 0;
  /** How far the offset applied last moved back, until the newest samples are past the previous newest again. */
  private dropMs = 0;
  /**
   * Set by a hello: seqs up to `upToSeq` were stamped with `offsetMs` (what the node sends again
   * keeps its stamp), the newest of them at `ts`, which later seqs come after however the offset moved.
   */
  private before = { upToSeq: -Infinity, offsetMs: 0, ts: -Infinity };

  /**
   * @param agreeMs how closely the offsets of a confirmed step must agree (half the interval, at most 1 s).
   * @param applied the offset applied so far (what the node's samples were stamped with before).
   * @param stored the newest sample stored before this server started: seqs up to it are backfill.
   */
  constructor(
    private readonly agreeMs = 500,
    private applied = 0,
    stored?: { seq: number; ts: number },
  ) {
    if (stored) {
      this.lastSeq = stored.seq;
      this.lastNewest = stored.ts;
    }
  }

  /** Learns from a sample as it arrives; only the newest seq so far counts (older ones are backfill). */
  observe(seq: number, ts: number, arrival: number): void {
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    const d = arrival - ts;
    if (this.estimate !== null && d <= this.estimate + STEP_MS) {
      // Only when there are some: setting an array's length is a call into the runtime.
      if (this.candidates.length > 0) this.candidates.length = 0;
      this.addRecent(d);
      this.estimate = this.smallestRecent();
      this.settle();
      return;
    }
    // No estimate yet, or a larger offset: believed once STEP_CONFIRM newest samples in a row agree.
    this.candidates.push(d);
    if (Math.max(...this.candidates) - Math.min(...this.candidates) > this.agreeMs) {
      this.candidates.length = 0;
      this.candidates.push(d);
    }
    if (this.candidates.length >= STEP_CONFIRM) {
      this.clearRecent();
      for (const c of this.candidates) this.addRecent(c);
      this.candidates.length = 0;
      this.estimate = this.smallestRecent();
      this.settle();
    }
  }

  /** Adds an offset to the recent ones, the oldest falling out past WINDOW. */
  private addRecent(d: number): void {
    this.recent[this.recentHead] = d;
    this.recentHead = (this.recentHead + 1) % WINDOW;
    if (this.recentCount < WINDOW) this.recentCount++;
  }

  private clearRecent(): void {
    this.recentCount = 0;
    this.recentHead = 0;
  }

  private smallestRecent(): number {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.recentCount; i++) min = Math.min(min, this.recent[i]!);
    return min;
  }

  /**
   * Starts over from a hello's stamp: sent the moment the connection opened, it is live by
   * definition, and the clock may have been stepped while the node was away. Seqs seen before
   * stay seen (what the node resends now is backfill).
   */
  restart(ts: number, arrival: number): void {
    this.before = { upToSeq: this.lastSeq, offsetMs: this.applied, ts: this.lastNewest };
    this.candidates.length = 0;
    this.clearRecent();
    this.addRecent(arrival - ts);
    this.estimate = arrival - ts;
    this.settle();
  }

  /** The applied offset follows the estimate once it is more than SYNCED_WITHIN_MS away. */
  private settle(): void {
    if (this.estimate === null) return;
    const target = Math.abs(this.estimate) > SYNCED_WITHIN_MS ? Math.round(this.estimate) : 0;
    if (Math.abs(target - this.applied) <= SYNCED_WITHIN_MS) return;
    this.dropMs = Math.max(0, this.applied - target);
    this.applied = target;
  }

  /** What to add to the node's `ts` to get the server's time: 0 while the clocks agree. */
  get offsetMs(): number {
    return this.applied;
  }

  /** A sample's time on the server's clock; `seq` if known (one seen before the last hello keeps its offset). */
  correct(ts: number, seq = Infinity): number {
    const { upToSeq, offsetMs, ts: newestBefore } = this.before;
    if (seq <= upToSeq) return ts + offsetMs;
    const at = ts + this.applied;
    if (seq === Infinity || upToSeq === -Infinity) return at;
    // The offset moved back at the hello: what the node made since lands after what it sent before.
    const floor = newestBefore + (seq - upToSeq);
    return at < floor && floor - at <= offsetMs - this.applied ? floor : at;
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
    if (!newest) {
      // Sent again (unacked when a connection broke): the stamp it got the first time.
      const known = this.recall(seq, ts);
      if (known !== null) return known;
    }
    let at = this.correct(ts, seq);
    if (!newest) return this.remember(seq, ts, at);
    const behind = this.lastNewest - at;
    // A step back not confirmed yet, or the offset applied just moved back (by `dropMs`).
    if (behind >= 0 && (behind <= this.dropMs || (this.estimate !== null && this.candidates.length > 0)))
      at = Math.max(arrival, this.lastNewest + 1);
    else if (behind < 0) this.dropMs = 0;
    // A stamp from the future is refused or held by the hub: it must not push the others.
    if (at <= arrival + FUTURE_MS) this.lastNewest = Math.max(this.lastNewest, at);
    return this.remember(seq, ts, at);
  }

  private remember(seq: number, ts: number, at: number): number {
    this.recentSeq[this.recentNext] = seq;
    this.recentTs[this.recentNext] = ts;
    this.recentAt[this.recentNext] = at;
    this.recentNext = (this.recentNext + 1) % RECENT;
    return at;
  }

  /** The stamp a sample with this seq and ts got before (a replay with another ts is not the same sample). */
  private recall(seq: number, ts: number): number | null {
    for (let i = 0; i < RECENT; i++) if (this.recentSeq[i] === seq && this.recentTs[i] === ts) return this.recentAt[i]!;
    return null;
  }
}
