/**
 * @module When each agent connection's ack goes out: at once if its ack interval has passed since
 * the last one, else held back and sent by one sweep once it has. Time comes from the Clock.
 */
import type { Clock, Timer } from '../../util/clock';

/**
 * In fleets beyond AUTO_ACK_MAX_AGENTS, acks to one agent are sent at most this often (the first
 * one at once). An ack is a frame and a system call per agent; at 1 sample/s they were the largest
 * cost of ingest. Agents keep every sample until acked, so a later ack only means a few more
 * seconds held in their buffer.
 */
export const ACK_INTERVAL_MS = 5000;
/**
 * With `ackIntervalMs: 'auto'` (the default), an agent that says hello while at most this many are
 * connected is acked once per sample interval or ACK_INTERVAL_MS, whichever is shorter, so it
 * notices a silent server within three (two after the last ack it read, which a resting agent reads
 * up to one interval late); beyond, every ACK_INTERVAL_MS. 10 000 agents
 * acked every second cost 0.83 cores instead of 0.59-0.65 with 14 values a sample (bench:ingest --ack-interval 1s);
 * 1 000 cost 0.093 cores in all.
 */
export const AUTO_ACK_MAX_AGENTS = 1000;

/**
 * How often held-back acks are looked at: an ack goes out this late after its interval at most
 * (unless the sweep is capped, see sendDue). At 10 000 agents acked every 5 s one sweep sends ~100
 * acks (~5 ms); every 200 ms it was ~400, a stretch of the event loop every sample waits behind.
 */
export const ACK_SWEEP_MS = 50;
/** A sweep sends this many acks at least, and at most twice the share of one sweep (see sendDue). */
const MIN_ACKS_PER_SWEEP = 64;

/** One connection's acks: the highest committed seq, the one last sent, and when. */
export interface AckPace<T> {
  readonly target: T;
  /** How often this connection is acked at most (a hello may change it). */
  intervalMs: number;
  ackedSeq: number;
  sentSeq: number;
  lastAckAt: number;
}

export class AckPacer<T> {
  /**
   * Connections holding back an ack, sent by one sweep: a timer per connection meant 2 000 timers
   * a second at 10 000 agents, each with its own wait.
   */
  private readonly due = new Set<AckPace<T>>();
  /** Runs while acks are held back only: an idle server wakes for nothing. */
  private sweep: Timer | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly send: (target: T, seq: number) => void,
  ) {}

  open(target: T, intervalMs: number): AckPace<T> {
    return { target, intervalMs, ackedSeq: 0, sentSeq: 0, lastAckAt: 0 };
  }

  /**
   * Commits complete in arrival order, so an ack naming the last committed sample covers every
   * sample the agent sent before it on this connection, whatever their seqs (backfill interleaves
   * older seqs with live ones).
   */
  committed(pace: AckPace<T>, seq: number): void {
    pace.ackedSeq = seq;
    if (this.due.has(pace)) return;
    if (this.clock.now() - pace.lastAckAt >= pace.intervalMs) this.sendNow(pace);
    else {
      this.due.add(pace);
      this.sweep ??= this.clock.every(ACK_SWEEP_MS, () => this.sendDue()).unref();
    }
  }

  /** Sends a held-back ack at once (before a cut: an agent that is only slow still learns what was stored). */
  flush(pace: AckPace<T>): void {
    this.forget(pace);
    if (pace.ackedSeq !== pace.sentSeq) this.sendNow(pace);
  }

  /** The connection is gone: nothing more is sent to it. */
  forget(pace: AckPace<T>): void {
    this.due.delete(pace);
    if (this.due.size === 0) this.stopSweep();
  }

  /** Acks held back right now. */
  get held(): number {
    return this.due.size;
  }

  close(): void {
    this.stopSweep();
    this.due.clear();
  }

  private stopSweep(): void {
    this.sweep?.cancel();
    this.sweep = null;
  }

  private sendNow(pace: AckPace<T>): void {
    pace.lastAckAt = this.clock.now();
    pace.sentSeq = pace.ackedSeq;
    this.send(pace.target, pace.ackedSeq);
  }

  /**
   * Sends the acks whose interval has passed, up to twice a sweep's share of the connections held
   * (each acked once per interval): after a stall of the event loop, the acks that fell due in it
   * would all go in one sweep and, stamped alike, fall due together from then on, a burst every
   * interval that grows with each stall. Capped, they spread over the next sweeps again.
   */
  private sendDue(): void {
    const now = this.clock.now();
    let share = 0;
    for (const pace of this.due) share += ACK_SWEEP_MS / Math.max(ACK_SWEEP_MS, pace.intervalMs);
    let left = Math.max(MIN_ACKS_PER_SWEEP, Math.ceil(2 * share));
    for (const pace of this.due) {
      if (left === 0) break;
      if (now - pace.lastAckAt < pace.intervalMs) continue;
      this.due.delete(pace);
      this.sendNow(pace);
      left--;
    }
    if (this.due.size === 0) this.stopSweep();
  }
}
