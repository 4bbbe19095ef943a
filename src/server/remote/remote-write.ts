/**
 * @module Remote write as a whole on the thread that calls it: one RemoteWriter per
 * `history.remoteWrite` target over the store's outbox, and their figures for /metrics and /healthz
 * (pending samples, lag, failures). The server runs the writers in a worker thread instead
 * (remote-write-thread.ts) when it has the worker's code; the figures are made the same way.
 */
import type { RemoteWriteTarget } from '../../config/remote-write';
import type { OutboxStore } from '../../store/store';
import type { Clock } from '../../util/clock';
import { RemoteWriter } from './remote-writer';
import type { WriterFigures, WriterLimits } from './remote-writer';
import { escapeLabel } from '../http/prom-names';
import { SeriesLabels } from './series-labels';
import type { NodeLabels } from './series-labels';

export interface TargetStatus {
  target: string;
  /** Stored samples (a node's values at one time) not yet accepted by the target. */
  pendingSamples: number;
  /** Seconds since the oldest of them was stored; 0 when none waits. */
  lagSeconds: number;
  sentValues: number;
  skippedValues: number;
  failures: number;
  lastError: string | null;
}

/** Remote write as the server drives it, on this thread (RemoteWrite) or in a worker (RemoteWriteThread). */
export interface RemoteWriteRunner {
  start(): void;
  stop(): Promise<void>;
  status(): TargetStatus[];
  health(): Record<string, number>;
}

export class RemoteWrite implements RemoteWriteRunner {
  private readonly writers: RemoteWriter[];
  private readonly statusCache: StatusCache;

  constructor(
    targets: readonly RemoteWriteTarget[],
    outbox: OutboxStore,
    node: (nodeId: number) => NodeLabels | undefined,
    clock: Clock,
    limits?: WriterLimits,
  ) {
    outbox.keepTargets(targets.map((t) => t.name));
    const labels = new SeriesLabels(node, (id) => outbox.nameOf(id));
    this.writers = targets.map((t) => new RemoteWriter(t, outbox, labels, clock, limits));
    this.statusCache = new StatusCache(outbox, clock);
  }

  start(): this {
    for (const w of this.writers) w.start();
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.stop()));
  }

  /** Each target's figures, at most a second old (the backlog is a query). */
  status(): TargetStatus[] {
    return this.statusCache.get(this.writers.map((w) => [w.target.name, w.figures]));
  }

  /** /healthz's figures for admins: the sums and the largest lag over the targets. */
  health(): Record<string, number> {
    return healthOf(this.status());
  }
}

/** The targets' status from their figures and the outbox's backlog after each cursor, made at most once a second. */
export class StatusCache {
  private cached: { at: number; status: TargetStatus[] } | null = null;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly clock: Clock,
  ) {}

  get(figures: readonly (readonly [target: string, figures: WriterFigures])[]): TargetStatus[] {
    const now = this.clock.now();
    if (this.cached && now - this.cached.at < 1000) return this.cached.status;
    const status = figures.map(([target, { sentValues, skippedValues, failures, lastError }]) => {
      const backlog = this.outbox.backlog(this.outbox.cursor(target).afterId);
      return {
        target,
        pendingSamples: backlog.samples,
        lagSeconds: backlog.oldestAt === null ? 0 : Math.max(0, (now - backlog.oldestAt) / 1000),
        sentValues,
        skippedValues,
        failures,
        lastError,
      };
    });
    this.cached = { at: now, status };
    return status;
  }
}

/** /healthz's figures for admins: the sums and the largest lag over the targets. */
export function healthOf(status: readonly TargetStatus[]): Record<string, number> {
  return {
    remoteWritePendingSamples: status.reduce((n, s) => n + s.pendingSamples, 0),
    remoteWriteLagSeconds: Math.round(Math.max(0, ...status.map((s) => s.lagSeconds)) * 10) / 10,
    remoteWriteFailures: status.reduce((n, s) => n + s.failures, 0),
  };
}

const FAMILIES: [name: string, type: string, help: string, value: (s: TargetStatus) => number][] = [
  ['probe_remote_write_pending_samples', 'gauge', 'Stored samples the target has not accepted yet', (s) => s.pendingSamples],
  ['probe_remote_write_lag_seconds', 'gauge', 'Age of the oldest stored sample the target has not accepted', (s) => s.lagSeconds],
  ['probe_remote_write_sent_values_total', 'counter', 'Values (Prometheus samples) the target accepted', (s) => s.sentValues],
  ['probe_remote_write_skipped_values_total', 'counter', 'Values in requests the target refused for good (4xx)', (s) => s.skippedValues],
  ['probe_remote_write_failures_total', 'counter', 'Requests that failed, retries included', (s) => s.failures],
];

/** The figures in the Prometheus text format, appended to GET /metrics. */
export function renderRemoteWrite(status: readonly TargetStatus[]): string {
  if (status.length === 0) return '';
  let out = '';
  for (const [name, type, help, value] of FAMILIES) {
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    for (const s of status) out += `${name}{target="${escapeLabel(s.target)}"} ${value(s)}\n`;
  }
  return out;
}
