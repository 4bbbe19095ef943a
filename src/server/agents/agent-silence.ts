/**
 * @module Which agent connections have gone silent: samples are the heartbeat, judged by one
 * sweep on the Clock, which blames nobody when this process itself was stalled.
 */
import type { Clock, Timer } from '../../util/clock';

/**
 * An agent that sent nothing for two of its intervals (plus this slack for scheduling and the
 * network) is presumed gone. (No WebSocket pings: pinging 10 000 agents at once held the event
 * loop for half a second.)
 */
export const SILENCE_SLACK_MS = 1000;
export const SILENCE_SWEEP_MS = 1000;
/** A connection that has not said hello within this long is cut. */
export const HELLO_TIMEOUT_MS = 15_000;

/** What the judgement reads of a connection. */
export interface Heard {
  /** When the last message arrived. */
  lastMessageAt: number;
  /** The interval hello announced, null before hello. */
  intervalMs: number | null;
  /** When hello arrived (0 before). */
  helloAt: number;
  /** Already being closed: not judged again. */
  revoked: boolean;
}

/**
 * How long `conn` may stay silent at `now`. Just after hello an agent gets `graceMs` (as long as
 * hello itself by default): when a whole fleet reconnects at once (a network blip, a restart), the
 * server reads their sockets late and must not blame them.
 */
export function allowedSilenceMs(conn: Heard, now: number, graceMs = HELLO_TIMEOUT_MS): number {
  if (conn.intervalMs === null) return HELLO_TIMEOUT_MS;
  return Math.max(2 * conn.intervalMs + SILENCE_SLACK_MS, now - conn.helloAt < graceMs ? graceMs : 0);
}

export class SilenceWatch<T extends Heard> {
  private lastSweepAt: number;
  private readonly timer: Timer;

  constructor(
    private readonly clock: Clock,
    private readonly connections: () => Iterable<T>,
    private readonly onSilent: (conn: T, silentMs: number) => void,
    private readonly graceMs = HELLO_TIMEOUT_MS,
  ) {
    this.lastSweepAt = clock.now();
    this.timer = clock.every(SILENCE_SWEEP_MS, () => this.sweep()).unref();
  }

  /** Calls `onSilent` for each connection silent too long, unless this sweep itself came late. */
  sweep(): void {
    const now = this.clock.now();
    const late = now - this.lastSweepAt - SILENCE_SWEEP_MS;
    this.lastSweepAt = now;
    if (late > SILENCE_SLACK_MS / 2) return;
    for (const conn of this.connections()) {
      if (conn.revoked || now - conn.lastMessageAt <= allowedSilenceMs(conn, now, this.graceMs)) continue;
      this.onSilent(conn, now - conn.lastMessageAt);
    }
  }

  close(): void {
    this.timer.cancel();
  }
}
