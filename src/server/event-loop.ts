/**
 * @module How long the event loop was held, and by the garbage collector how much of it: with
 * PROBE_EVENT_LOOP_LOG set to a duration ("10s"), one info line per period. Every sample waits
 * for the loop on its way to the page; this tells a slow disk or a busy machine from a long task.
 */
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import { systemClock } from '../util/clock';
import type { Clock } from '../util/clock';
import { parseDuration } from '../util/duration';
import { log } from '../util/log';

export const EVENT_LOOP_LOG_ENV = 'PROBE_EVENT_LOOP_LOG';

/** Figures of one period, in ms. */
export interface LoopFigures {
  /** Delay of the loop past its due time (Node's monitorEventLoopDelay, 10 ms resolution). */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** Collector pauses: how many, their sum and the longest; of them, full (mark-sweep) ones. */
  gcCount: number;
  gcMs: number;
  gcMaxMs: number;
  majorGcCount: number;
  majorGcMs: number;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

/** Gathers the figures from start until take(), which starts the next period. */
export class EventLoopWatch {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly observer: PerformanceObserver;
  private gc = { count: 0, ms: 0, maxMs: 0, majorCount: 0, majorMs: 0 };

  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const gc = this.gc;
        gc.count++;
        gc.ms += entry.duration;
        gc.maxMs = Math.max(gc.maxMs, entry.duration);
        // Node puts the kind of collection in `detail` (its types do not declare it).
        if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
          gc.majorCount++;
          gc.majorMs += entry.duration;
        }
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
    this.histogram.enable();
  }

  take(): LoopFigures {
    const h = this.histogram;
    const ms = (ns: number) => round1(ns / 1e6);
    const figures: LoopFigures = {
      delayP50Ms: h.count ? ms(h.percentile(50)) : 0,
      delayP99Ms: h.count ? ms(h.percentile(99)) : 0,
      delayMaxMs: h.count ? ms(h.max) : 0,
      gcCount: this.gc.count,
      gcMs: round1(this.gc.ms),
      gcMaxMs: round1(this.gc.maxMs),
      majorGcCount: this.gc.majorCount,
      majorGcMs: round1(this.gc.majorMs),
    };
    h.reset();
    this.gc = { count: 0, ms: 0, maxMs: 0, majorCount: 0, majorMs: 0 };
    return figures;
  }

  stop(): void {
    this.histogram.disable();
    this.observer.disconnect();
  }
}

/**
 * Logs the figures every period PROBE_EVENT_LOOP_LOG gives (nothing when it is unset; a value
 * that is not a duration is said once and ignored).
 */
export function startEventLoopLog(env: NodeJS.ProcessEnv = process.env, clock: Clock = systemClock): { stop(): void } | null {
  const text = env[EVENT_LOOP_LOG_ENV];
  if (!text) return null;
  const everyMs = parseDuration(text);
  if (!everyMs || everyMs < 100) {
    log.warn(`${EVENT_LOOP_LOG_ENV} is not a duration of at least 100ms; not logging the event loop`, { value: text });
    return null;
  }
  const watch = new EventLoopWatch();
  const timer = clock.every(everyMs, () => log.info('event loop', { ...watch.take() })).unref();
  return {
    stop() {
      timer.cancel();
      watch.stop();
    },
  };
}
