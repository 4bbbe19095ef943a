/**
 * @module Who may have a password checked, decided before the check starts: each attempt counts
 * as a failure the moment it is admitted (a success takes the count back), so concurrent guesses
 * cannot all slip in before the first one is judged. Per client (an address, or a known device)
 * at most PER_CLIENT_CHECKS checks run at once; server-wide at most HASH_SLOTS scrypt runs, with a
 * short queue that known devices go to the front of, so a flood can neither starve the admin nor
 * the server's cores.
 */
import type { FailureLimits } from '../net/limits';
import { FailureTracker } from '../net/limits';
import { systemClock } from '../../util/clock';

/** scrypt runs at once (each ~100 ms of one core and 32 MiB). */
export const HASH_SLOTS = 2;
/** Checks waiting for a slot; beyond, 429 PROBE_ERR_BUSY (known devices still queue). */
export const HASH_QUEUE = 16;
/** Checks in flight for one client; a browser sends one at a time. */
export const PER_CLIENT_CHECKS = 2;
const BUSY_RETRY_SEC = 1;

export interface Refusal {
  ok: false;
  status: 429;
  code: 'PROBE_ERR_RATE' | 'PROBE_ERR_BUSY';
  retryAfterSec: number;
  message: string;
}

/** The server-wide scrypt slots, shared by every password (admin, page). */
export class HashSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly slots = HASH_SLOTS,
    private readonly queue = HASH_QUEUE,
  ) {}

  /** A promise for a slot, or null if the queue is full and `first` is not set. */
  enter(first: boolean): Promise<void> | null {
    if (this.running < this.slots) {
      this.running++;
      return Promise.resolve();
    }
    if (!first && this.waiting.length >= this.queue) return null;
    return new Promise((resolve) => (first ? this.waiting.unshift(resolve) : this.waiting.push(resolve)));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

export type CheckResult = { ok: true } | { ok: false; status: 401 } | Refusal;

export class PasswordGuard {
  private readonly failures: FailureTracker;
  private readonly inFlight = new Map<string, number>();

  constructor(
    limits: FailureLimits,
    private readonly slots: HashSlots,
    private readonly now: () => number = systemClock.now,
  ) {
    this.failures = new FailureTracker(limits);
  }

  /**
   * Runs `verify` for client `key` if its limits allow, counting the attempt before anything is
   * awaited. `first`: a known device, served before strangers. `what` names the password in refusals.
   */
  check(key: string, first: boolean, what: string, verify: () => Promise<boolean>): Promise<CheckResult> {
    const now = this.now();
    const blocked = this.failures.blockedFor(key, now);
    if (blocked > 0) {
      const minutes = Math.ceil(blocked / 60_000);
      return Promise.resolve(
        refusal(
          'PROBE_ERR_RATE',
          Math.ceil(blocked / 1000),
          `too many wrong ${what}s from this ${first ? 'browser' : 'address'}: try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
        ),
      );
    }
    const running = this.inFlight.get(key) ?? 0;
    if (running >= PER_CLIENT_CHECKS)
      return Promise.resolve(
        refusal(
          'PROBE_ERR_BUSY',
          BUSY_RETRY_SEC,
          `a ${what} from this ${first ? 'browser' : 'address'} is being checked: wait for its answer`,
        ),
      );
    const slot = this.slots.enter(first);
    if (!slot)
      return Promise.resolve(
        refusal('PROBE_ERR_BUSY', BUSY_RETRY_SEC, `the server is checking many passwords right now: try again in ${BUSY_RETRY_SEC} s`),
      );
    this.failures.fail(key, now);
    this.inFlight.set(key, running + 1);
    return this.run(key, slot, verify);
  }

  private async run(key: string, slot: Promise<void>, verify: () => Promise<boolean>): Promise<CheckResult> {
    let ok = false;
    try {
      await slot;
      ok = await verify();
    } finally {
      this.slots.leave();
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
      if (ok) this.failures.succeed(key);
    }
    return ok ? { ok: true } : { ok: false, status: 401 };
  }

  /** Forgets every failure (the password changed: guesses at the old one say nothing). */
  reset(): void {
    this.failures.clear();
  }
}

function refusal(code: Refusal['code'], retryAfterSec: number, message: string): Refusal {
  return { ok: false, status: 429, code, retryAfterSec, message };
}
