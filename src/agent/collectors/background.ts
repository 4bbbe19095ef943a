/**
 * @module A reading kept fresh by a slow asynchronous call in the background, for collectors that
 * must answer synchronously every second: at most one call runs, and at most one starts per period.
 */
import type { MetricValues } from '../../protocol/metrics';
import type { Collector } from './collector';

export interface BackgroundOptions {
  /** Names the call in errors, e.g. `fsSize`. */
  name: string;
  /** Time between the starts of two calls (a call still running delays the next). */
  periodMs: number;
  /** A reading older than this is no longer reported. */
  staleMs: number;
  /** Monotonic clock in ms; readings are stamped with it when their call completes. */
  now: () => number;
}

export interface BackgroundReading<T> {
  /**
   * Starts a call when none runs and the period has passed, and returns the newest reading still
   * fresh, or null while the first call runs. Throws once no reading is fresh: the last error, or
   * that the call has not answered (a `df` stuck on a dead network mount is never started twice).
   */
  poll(): T | null;
  /** Settles when the running call, if any, has (benchmarks and tests drive the clock themselves). */
  idle(): Promise<void>;
}

/** A collector that refreshes in the background. */
export interface BackgroundCollector extends Collector {
  idle(): Promise<void>;
}

export function backgroundReading<T>(read: () => Promise<T>, { name, periodMs, staleMs, now }: BackgroundOptions): BackgroundReading<T> {
  let value: T | null = null;
  let valueAt = -Infinity;
  let firstStartAt = -Infinity;
  let startedAt = -Infinity;
  let running: Promise<void> | null = null;
  let error: Error | null = null;

  const start = (at: number) => {
    if (startedAt === -Infinity) firstStartAt = at;
    startedAt = at;
    running = Promise.resolve()
      .then(read)
      .then(
        (v) => {
          value = v;
          valueAt = now();
          error = null;
        },
        (err: unknown) => {
          error = err instanceof Error ? err : new Error(String(err));
        },
      )
      .finally(() => {
        running = null;
      });
  };

  return {
    poll() {
      const at = now();
      if (!running && at - startedAt >= periodMs) start(at);
      if (value !== null && at - valueAt <= staleMs) return value;
      if (error) throw new Error(`${name}: ${error.message}`);
      const waitedMs = at - (value === null ? firstStartAt : valueAt);
      if (waitedMs > staleMs) throw new Error(`${name} has not answered for ${Math.round(waitedMs / 1000)} s`);
      return null;
    },
    idle: () => running ?? Promise.resolve(),
  };
}

/** A collector reporting the newest fresh reading of `reading`, nothing before the first. */
export function backgroundCollector(name: string, reading: BackgroundReading<MetricValues>): BackgroundCollector {
  return {
    name,
    collect(out) {
      const values = reading.poll();
      if (values) Object.assign(out, values);
    },
    idle: reading.idle,
  };
}

/** Settles when every background refresh among `collectors` has. */
export async function whenIdle(collectors: readonly Collector[]): Promise<void> {
  await Promise.all(collectors.map((c) => (c as Partial<BackgroundCollector>).idle?.()));
}
