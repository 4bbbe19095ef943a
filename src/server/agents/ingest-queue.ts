/**
 * @module Batches incoming samples into one SQLite transaction per flush and runs each sample's
 * ack only after that transaction committed. A failed write acks nothing: the agents still hold
 * those samples and send them again.
 */
import type { IncomingSample, Store } from '../../store/store';
import { systemClock } from '../../util/clock';
import type { Clock, Timer } from '../../util/clock';
import { log } from '../../util/log';

export interface IngestQueueOptions {
  flushMs: number;
  /** Past this many queued samples new ones are refused (the database is not keeping up). */
  maxQueued: number;
  /** Whose timer flushes (systemClock unless given). */
  clock?: Clock;
}

interface Entry {
  sample: IncomingSample;
  onCommitted: () => void;
}

export class IngestQueue {
  private queue: Entry[] = [];
  /**
   * The next flush: flushMs after a sample finds no flush pending, and again while writes fail. An
   * idle server sets no timer (one every 50 ms cost about 1 % of a core on a 2-core VM).
   */
  private timer: Timer | null = null;
  private closed = false;
  private readonly clock: Clock;
  /** The last write's error while writes fail (null while they succeed). */
  private failure: Error | null = null;
  /** Called after each write, stored or failed (StoreWatch follows the writes through it). */
  onWrite: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly options: IngestQueueOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Queues a sample; false when the queue is full. Nothing queued is ever dropped: acks are
   * cumulative, so a dropped sample followed by an acked one would be lost at the agent too.
   */
  push(sample: IncomingSample, onCommitted: () => void): boolean {
    if (this.queue.length >= this.options.maxQueued) return false;
    this.queue.push({ sample, onCommitted });
    this.arm();
    return true;
  }

  get length(): number {
    return this.queue.length;
  }

  /** Why the last write failed, while writes fail; null while samples are stored. */
  get failing(): Error | null {
    return this.failure;
  }

  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.store.writeSamples(batch.map((e) => e.sample));
    } catch (err) {
      this.queue = batch.concat(this.queue);
      if (!this.failure)
        log.error('cannot write samples; holding them and retrying', { code: 'PROBE_ERR_STORE', error: (err as Error).message });
      this.failure = err as Error;
      this.arm();
      this.onWrite?.();
      return;
    }
    if (this.failure) log.info('writing samples again');
    this.failure = null;
    for (const e of batch) e.onCommitted();
    this.onWrite?.();
  }

  close(): void {
    this.closed = true;
    this.flush();
    this.timer?.cancel();
    this.timer = null;
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    this.timer = this.clock
      .after(this.options.flushMs, () => {
        this.timer = null;
        this.flush();
      })
      .unref();
  }
}
