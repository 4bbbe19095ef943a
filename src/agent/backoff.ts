/**
 * @module Reconnect delays: exponential from 1 s, capped at 30 s, with jitter so a fleet
 * that lost its server does not come back in one thundering herd.
 */

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 30_000;

/** Delay before reconnect attempt `attempt` (0-based); `random` in [0, 1). */
export function backoffDelay(attempt: number, random: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
