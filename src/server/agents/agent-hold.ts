/**
 * @module While the store cannot write (a full disk, a failing database), agents hear `hold` in
 * place of acks, on the same schedule: the server is alive but not storing, so they keep their
 * samples and their connection instead of presuming it dead and reconnecting.
 */
import type { HoldMessage } from '../../protocol/messages';
import type { AckPace } from './ack-pacer';

/** A connection as holding needs it: its ack pace and whether it said hello yet. */
export interface Holdable<T> {
  acks: AckPace<T>;
  intervalMs: number | null;
}

/** What agents are told, from the error the write failed with. */
export function holdReason(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || /SQLITE_FULL|ENOSPC|disk is full|no space/i.test(err.message)
    ? 'disk full'
    : 'database not writable';
}

/**
 * Sends `hold` to every connection whose ack is half due, and counts it as that ack. Twice the
 * ack rate: an agent presumes a server dead after two intervals without a word (at 1 s samples),
 * and on a loaded machine a hold sent only as often as acks came late enough, now and then, to
 * make an agent reconnect (the full-disk test saw it in a fresh-clone CI run).
 */
export function holdAll<T>(conns: Iterable<Holdable<T>>, now: number, reason: string, send: (target: T, msg: HoldMessage) => void): void {
  for (const conn of conns) {
    if (conn.intervalMs === null || now - conn.acks.lastAckAt < conn.acks.intervalMs / 2) continue;
    conn.acks.lastAckAt = now;
    send(conn.acks.target, { type: 'hold', reason });
  }
}
