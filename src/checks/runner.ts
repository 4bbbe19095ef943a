/**
 * @module Runs checks on their intervals with the injected clock: each check at start and then
 * every `intervalMs`, never two runs of one check at a time (a turn that finds the last run still
 * going or waiting is skipped), at most `concurrency` runs at once, each result to a callback.
 */
import type { Clock, Timer } from '../util/clock';
import { log } from '../util/log';
import type { CheckResult } from './check';

/** What the runner needs of a check; `runCheck` takes the checks of `parseChecks`. */
export interface Scheduled {
  name: string;
  intervalMs: number;
}

export interface RunnerOptions<C extends Scheduled> {
  clock: Clock;
  /** Runs one check once, never rejecting (`runCheck`). */
  run: (check: C, signal: AbortSignal, clock: Clock) => Promise<CheckResult>;
  /** Each result, in the order runs end; none after `stop`. */
  onResult: (check: C, result: CheckResult) => void;
  /** Runs at the same time, at most. Default 8. */
  concurrency?: number;
}

export class CheckRunner<C extends Scheduled> {
  private readonly timers: Timer[] = [];
  private queue: C[] = [];
  /** Names of the checks waiting in the queue or running. */
  private readonly pending = new Set<string>();
  private readonly running = new Map<Promise<void>, AbortController>();
  private readonly concurrency: number;
  private started = false;
  private stopped = false;

  constructor(
    private readonly checks: readonly C[],
    private readonly options: RunnerOptions<C>,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** Runs every check now, then on its interval. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const check of this.checks) {
      this.due(check);
      this.timers.push(this.options.clock.every(check.intervalMs, () => this.due(check)).unref());
    }
  }

  /** Runs in progress, for a status line. */
  get active(): number {
    return this.running.size;
  }

  /** Stops the timers, drops waiting runs, aborts those in progress and waits until they end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.length = 0;
    this.queue = [];
    for (const controller of this.running.values()) controller.abort();
    await Promise.all([...this.running.keys()]);
  }

  private due(check: C): void {
    // The last run is still waiting or going: this turn is skipped rather than piled up behind it.
    if (this.stopped || this.pending.has(check.name)) return;
    this.pending.add(check.name);
    this.queue.push(check);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.queue.length > 0) this.launch(this.queue.shift()!);
  }

  private launch(check: C): void {
    const { clock, run, onResult } = this.options;
    const controller = new AbortController();
    const failed = (err: unknown): CheckResult => ({
      ts: clock.now(),
      up: false,
      latencyMs: null,
      error: `the check failed: ${err instanceof Error ? err.message : String(err)}`,
    });
    let started: Promise<CheckResult>;
    try {
      started = run(check, controller.signal, clock);
    } catch (err) {
      // A run that throws instead of resolving is reported as down, like one that rejects.
      started = Promise.reject(err);
    }
    const done = started
      .catch(failed)
      .then((result) => {
        if (this.stopped) return;
        try {
          onResult(check, result);
        } catch (err) {
          log.error('check result not handled', { check: check.name, error: err instanceof Error ? err.message : String(err) });
        }
      })
      .finally(() => {
        this.running.delete(done);
        this.pending.delete(check.name);
        this.pump();
      });
    this.running.set(done, controller);
  }
}
