/**
 * @module One remote-write target's sender: takes windows of the outbox after its cursor, sends
 * their requests one after another, retrying 5xx, 429 and network errors with capped, jittered
 * backoff, and moves the cursor on only once a window is through (a 4xx other than 429 skips that
 * request, counted and logged once per status). Runs beside ingest and never holds it up: the
 * outbox is read in slices and acks never wait for it.
 */
import { backoffDelay } from '../../agent/backoff';
import type { RemoteWriteTarget } from '../../config/remote-write';
import type { OutboxCursor, OutboxStore } from '../../store/store';
import type { Clock, Timer } from '../../util/clock';
import { log } from '../../util/log';
import { postWrite, requestHeaders } from './post';
import type { PostResult } from './post';
import type { SeriesLabels } from './series-labels';
import { WindowSeries } from './window';

export interface WriterLimits {
  /** A window waits until its oldest row is this old, so each series brings several samples per request. */
  lingerMs: number;
  /** Stored samples (node, time) in one window at most. */
  windowSamples: number;
  windowRows: number;
  /** Uncompressed bytes at which a request is cut. */
  requestBytes: number;
}

export const DEFAULT_LIMITS: WriterLimits = { lingerMs: 5000, windowSamples: 100_000, windowRows: 2000, requestBytes: 2 << 20 };

export interface WriterFigures {
  sentValues: number;
  skippedValues: number;
  /** Requests that failed (each retry counts). */
  failures: number;
  requests: number;
  lastError: string | null;
}

export class RemoteWriter {
  readonly figures: WriterFigures = { sentValues: 0, skippedValues: 0, failures: 0, requests: 0, lastError: null };
  /** Called after each request's outcome changed the figures (the worker thread passes them on). */
  onFigures: (() => void) | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private timer: Timer | null = null;
  private readonly headers: Record<string, string>;
  private readonly refusedStatuses = new Set<number>();
  private failing = false;
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly window = new WindowSeries();

  constructor(
    readonly target: RemoteWriteTarget,
    private readonly outbox: OutboxStore,
    private readonly labels: SeriesLabels,
    private readonly clock: Clock,
    private readonly limits: WriterLimits = DEFAULT_LIMITS,
    private readonly post: (body: Buffer) => Promise<PostResult> = (body) => postWrite(target, this.headers, body, this.abort.signal),
  ) {
    this.headers = requestHeaders(target);
  }

  start(): this {
    this.running = this.loop().catch((err: Error) => {
      log.error('remote write stopped on an unexpected error', {
        code: 'PROBE_ERR_INTERNAL',
        target: this.target.name,
        error: err.message,
      });
    });
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.timer?.cancel();
    this.wake?.();
    await this.running;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.clock.after(ms, resolve).unref();
    });
  }

  private async loop(): Promise<void> {
    let storeFailing = false;
    while (!this.stopped) {
      try {
        await this.step();
        storeFailing = false;
      } catch (err) {
        if (this.stopped) return;
        // The database failing (a full disk): the cursor stays where it was saved; try again later.
        if (!storeFailing)
          log.error('remote write cannot read or save its place in the database; retrying', {
            code: 'PROBE_ERR_STORE',
            target: this.target.name,
            error: (err as Error).message,
          });
        storeFailing = true;
        await this.sleep(5000);
      }
    }
  }

  /** Sends the next window (or waits for one to fill). */
  private async step(): Promise<void> {
    let cursor = this.outbox.cursor(this.target.name);
    if (cursor.toId <= cursor.afterId) {
      const wait = this.waitBeforeWindow(cursor.afterId);
      if (wait > 0) {
        await this.sleep(wait);
        return;
      }
      const toId = this.outbox.windowEnd(cursor.afterId, this.limits.windowRows, this.limits.windowSamples);
      cursor = { afterId: cursor.afterId, toId, requestsDone: 0 };
      this.outbox.saveCursor(this.target.name, cursor);
    }
    if (await this.sendWindow(cursor))
      this.outbox.saveCursor(this.target.name, { afterId: cursor.toId, toId: cursor.toId, requestsDone: 0 });
  }

  /** How long to wait before taking a window after `afterId`: 0 once one is full or its oldest row has lingered enough. */
  private waitBeforeWindow(afterId: number): number {
    const backlog = this.outbox.backlog(afterId);
    if (backlog.oldestAt === null) return 1000;
    if (backlog.samples >= this.limits.windowSamples || backlog.rows >= this.limits.windowRows) return 0;
    return Math.max(0, Math.min(1000, backlog.oldestAt + this.limits.lingerMs - this.clock.now()));
  }

  /** Sends the window's requests from where the cursor says; false if stopped first. */
  private async sendWindow(cursor: OutboxCursor): Promise<boolean> {
    await this.window.read(this.outbox, cursor.afterId, cursor.toId, this.labels);
    let done = cursor.requestsDone;
    for await (const request of this.window.requests(this.limits.requestBytes, cursor.requestsDone)) {
      if (!(await this.sendRequest(request.body, request.values))) return false;
      done++;
      this.outbox.saveCursor(this.target.name, { ...cursor, requestsDone: done });
    }
    return !this.stopped;
  }

  /** One request until accepted or refused for good; false if stopped first. */
  private async sendRequest(body: Buffer, values: number): Promise<boolean> {
    for (let attempt = 0; !this.stopped; attempt++) {
      this.figures.requests++;
      const result = await this.post(body);
      if (this.stopped && !result.ok) return false;
      const through = this.record(result, values);
      this.onFigures?.();
      if (through) return true;
      await this.sleep(backoffDelay(attempt, Math.random()));
    }
    return false;
  }

  /** Counts a request's outcome and logs what changed; true when it is through (accepted, or refused for good). */
  private record(result: PostResult, values: number): boolean {
    if (result.ok) {
      this.figures.sentValues += values;
      if (this.failing) log.info('remote write target accepts samples again', { target: this.target.name });
      this.failing = false;
      this.figures.lastError = null;
      return true;
    }
    this.figures.failures++;
    this.figures.lastError = result.message;
    if (!result.retry) {
      this.figures.skippedValues += values;
      if (!this.refusedStatuses.has(result.status)) {
        this.refusedStatuses.add(result.status);
        log.error('remote write target refused a request; skipping it (counted in probe_remote_write_skipped_values_total)', {
          code: 'PROBE_ERR_REMOTE_WRITE',
          target: this.target.name,
          error: result.message,
        });
      }
      return true;
    }
    if (!this.failing)
      log.warn('remote write target unreachable or failing; retrying with backoff', {
        code: 'PROBE_ERR_REMOTE_WRITE',
        target: this.target.name,
        error: result.message,
      });
    this.failing = true;
    return false;
  }
}
