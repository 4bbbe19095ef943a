/**
 * @module Rate limits against floods and key guessing: a token bucket, and a per-address record
 * of failed authentications that first slows a client down and then refuses it for a while.
 * Both are bounded in memory whatever the number of addresses.
 */

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface FailureLimits {
  /** Failures within `windowMs` after which the address is refused. */
  maxFailures: number;
  windowMs: number;
  /** How long a refused address stays refused. */
  blockMs: number;
  /** Each failure delays the answer by this much more, up to `maxDelayMs`. */
  delayStepMs: number;
  maxDelayMs: number;
  /** Addresses remembered at most; the oldest are forgotten first. */
  maxEntries: number;
}

/** Wrong passwords (admin login, page password) per address or known device: 10 in 15 minutes, then refused for 15 minutes. */
export const PASSWORD_LIMITS: FailureLimits = {
  maxFailures: 10,
  windowMs: 15 * 60_000,
  blockMs: 15 * 60_000,
  delayStepMs: 0,
  maxDelayMs: 0,
  maxEntries: 10_000,
};

export const AUTH_LIMITS: FailureLimits = {
  maxFailures: 20,
  windowMs: 10 * 60_000,
  blockMs: 10 * 60_000,
  delayStepMs: 100,
  maxDelayMs: 2000,
  maxEntries: 10_000,
};

interface Entry {
  failures: number;
  firstAt: number;
  blockedUntil: number;
}

export class FailureTracker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: FailureLimits = AUTH_LIMITS) {}

  /** Milliseconds the address stays refused, 0 if it may try. */
  blockedFor(address: string, now: number): number {
    const entry = this.entries.get(address);
    return entry && entry.blockedUntil > now ? entry.blockedUntil - now : 0;
  }

  /** Records a failure; returns how long to wait before answering it. */
  fail(address: string, now: number): number {
    let entry = this.entries.get(address);
    if (!entry || now - entry.firstAt > this.limits.windowMs) entry = { failures: 0, firstAt: now, blockedUntil: 0 };
    entry.failures++;
    if (entry.failures >= this.limits.maxFailures) entry.blockedUntil = now + this.limits.blockMs;
    // Re-inserting keeps the map in last-failure order, so the oldest go first when it is full.
    this.entries.delete(address);
    this.entries.set(address, entry);
    if (this.entries.size > this.limits.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return Math.min(this.limits.maxDelayMs, (entry.failures - 1) * this.limits.delayStepMs);
  }

  succeed(address: string): void {
    this.entries.delete(address);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The unit limits count by: an IPv4 address, or an IPv6 address's /64 (one machine usually has a
 * whole /64 and could otherwise take a new address for every guess).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Loopback clients (the local agent, a proxy without --trust-proxy, benchmarks) are not rate-limited by address. */
export const isLoopback = (address: string): boolean => /^(127\.|::1$|::ffff:127\.)/.test(address);

/**
 * Connection attempts per address: a token bucket each, at most `maxEntries` addresses remembered
 * (the least recently seen forgotten first). Loopback is exempt.
 */
export class AttemptLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly maxEntries = 10_000,
  ) {}

  allow(address: string, now: number): boolean {
    if (isLoopback(address)) return true;
    let bucket = this.buckets.get(address);
    if (bucket) this.buckets.delete(address);
    else bucket = new TokenBucket(this.ratePerSec, this.burst, now);
    this.buckets.set(address, bucket);
    if (this.buckets.size > this.maxEntries) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket.take(now);
  }
}
