/**
 * @module Which of the agent's servers it reports to: the first one (preferred) while it answers,
 * the next in the list when a connection fails or dies, and back to the first once it accepts TCP
 * connections again (checked every `preferredRetryMs` while on another one).
 */
import type { Clock, Timer } from '../util/clock';
import { connectTo } from './websocket';

/** While on a fallback server, how often the agent checks whether the preferred one is back. */
export const PREFERRED_RETRY_MS = 30_000;
/** A reachability check gives up after this. */
const REACH_TIMEOUT_MS = 5000;

export class ServerChoice {
  private index = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new Error('ServerChoice needs at least one URL');
  }

  get url(): string {
    return this.urls[this.index]!;
  }

  /** On another server than the first (preferred) one. */
  get onFallback(): boolean {
    return this.index > 0;
  }

  /** After a connection failed or died: the next server in the list (the first after the last). */
  advance(): void {
    this.index = (this.index + 1) % this.urls.length;
  }

  /** Back to the first server. */
  prefer(): void {
    this.index = 0;
  }
}

/**
 * Whether `url`'s host accepts a TCP connection (wss://: a TLS handshake, without checking the
 * certificate: only reachability is asked; the real connection checks it). Never rejects.
 */
export function reachable(url: string, timeoutMs = REACH_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const { socket, ready } = connectTo(new URL(url), { rejectUnauthorized: false });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once(ready, () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Checks the preferred server every `retryMs` until it is reachable or the watch is cancelled. */
export class PreferredWatch {
  private timer: Timer | null = null;
  /** Bumped by cancel: a check still under way when it was cancelled is ignored. */
  private generation = 0;

  constructor(
    private readonly clock: Clock,
    private readonly retryMs: number,
    private readonly reach: (url: string) => Promise<boolean>,
  ) {}

  /** Calls `back` once, when `url` is found reachable. */
  watch(url: string, back: () => void): void {
    this.cancel();
    const generation = this.generation;
    this.timer = this.clock.after(this.retryMs, () => {
      this.timer = null;
      void this.reach(url).then((ok) => {
        if (generation !== this.generation) return;
        if (ok) back();
        else this.watch(url, back);
      });
    });
  }

  cancel(): void {
    this.generation++;
    this.timer?.cancel();
    this.timer = null;
  }
}
