/**
 * @module The alert state machine, pure: state + what holds now + clock in, new state + event out.
 * ok -> pending (condition holds) -> firing (held for `for`) -> ok (recover condition held for
 * `for` as well, so a flapping value neither fires nor resolves on a single sample).
 */
export interface AlertState {
  status: 'ok' | 'pending' | 'firing';
  /** When the condition began to hold, Unix ms (0 when ok). */
  since: number;
  /** When the recover condition began to hold while firing, or null. */
  recoverSince: number | null;
  /** When the last notification went out, Unix ms (0 = never). */
  lastNotified: number;
}

export const OK_STATE: AlertState = { status: 'ok', since: 0, recoverSince: null, lastNotified: 0 };

export interface AlertEvent {
  state: 'firing' | 'resolved';
  since: number;
  /** A repeat notification of an alert already firing. */
  repeat: boolean;
}

export interface Timing {
  forMs: number;
  repeatMs: number;
}

/**
 * One step. `holds`: the alert condition is true now; `recovered`: the recover condition is true
 * now; `conditionSince`: when the condition began, if known better than "now" (offline rules).
 */
export function step(
  timing: Timing,
  state: AlertState,
  holds: boolean,
  recovered: boolean,
  now: number,
  conditionSince = now,
): { state: AlertState; event: AlertEvent | null } {
  switch (state.status) {
    case 'ok':
      if (!holds) return { state, event: null };
      return step(timing, { ...state, status: 'pending', since: conditionSince }, holds, recovered, now);
    case 'pending':
      if (!holds) return { state: OK_STATE, event: null };
      if (now - state.since < timing.forMs) return { state, event: null };
      return {
        state: { ...state, status: 'firing', recoverSince: null, lastNotified: now },
        event: { state: 'firing', since: state.since, repeat: false },
      };
    case 'firing': {
      if (recovered) {
        const recoverSince = state.recoverSince ?? now;
        if (now - recoverSince >= timing.forMs) return { state: OK_STATE, event: { state: 'resolved', since: state.since, repeat: false } };
        return { state: state.recoverSince === null ? { ...state, recoverSince } : state, event: null };
      }
      const next = state.recoverSince === null ? state : { ...state, recoverSince: null };
      if (timing.repeatMs > 0 && now - state.lastNotified >= timing.repeatMs) {
        return { state: { ...next, lastNotified: now }, event: { state: 'firing', since: state.since, repeat: true } };
      }
      return { state: next, event: null };
    }
  }
}
