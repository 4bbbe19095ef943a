/**
 * @module Remote write in a worker thread (writer-thread.ts), seen from the main thread: starts it
 * with the database file and every node's labels, passes label changes on as the hub reports them,
 * keeps the figures the thread sends, and makes /metrics' and /healthz' figures as RemoteWrite
 * does (the backlog read on the main thread's connection). A thread that dies is started again
 * after 5 s; the main thread then spends nothing on remote write but those messages.
 */
import { stat } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { RemoteWriteTarget } from '../../config/remote-write';
import { loadedSqliteAddonFile } from '../../store/native';
import { databaseFile } from '../../store/sqlite-store';
import type { OutboxStore } from '../../store/store';
import type { Clock, Timer } from '../../util/clock';
import { log, logLevel } from '../../util/log';
import type { LogLevel } from '../../util/log';
import { bundledApart } from '../../util/sea';
import type { HubEvent } from '../fleet/hub';
import { RemoteWrite, StatusCache, healthOf } from './remote-write';
import type { RemoteWriteRunner, TargetStatus } from './remote-write';
import type { WriterFigures, WriterLimits } from './remote-writer';
import type { NodeLabels } from './series-labels';
import type { FromWriterThread, LabelChanges, ToWriterThread, WriterThreadInit } from './writer-thread';

/** The worker's code: its text (the bundle embedded in the executable) or a file to run (the bundle beside dist/probe.cjs). */
export type WriterScript = { code: string } | { file: string };

/** The bundled thread's file name, beside dist/probe.cjs and embedded in the executable. */
export const WRITER_THREAD_FILE = 'remote-writer.cjs';

/** Where the worker's code is: embedded, beside the running bundle, or null (running from source). */
export function writerThreadScript(): WriterScript | null {
  try {
    return bundledApart(WRITER_THREAD_FILE);
  } catch {
    return null;
  }
}

/** The nodes as the hub has them: their labels and its change events. */
export interface NodeSource {
  ids(): number[];
  get(id: number): NodeLabels | undefined;
  subscribe(listener: (event: HubEvent) => void): () => void;
}

export interface ThreadOptions {
  script: WriterScript;
  dbFile: string;
  addonFile: string | undefined;
  logLevel: LogLevel;
  limits?: WriterLimits;
}

const RESTART_MS = 5000;
const RESTART_MAX_MS = 5 * 60_000;
/** A thread that ran this long before it ended was working: the next restart waits RESTART_MS again. */
const HEALTHY_MS = 60_000;

/** The pause before the `failures`-th restart in a row: 5 s, doubling to 5 minutes. */
export function restartDelay(failures: number): number {
  return Math.min(RESTART_MAX_MS, RESTART_MS * 2 ** Math.max(0, failures - 1));
}
const STOP_MS = 5000;
const NO_FIGURES: WriterFigures = { sentValues: 0, skippedValues: 0, failures: 0, requests: 0, lastError: null };

const labelKey = (n: NodeLabels) => `${n.name}\n${n.group}\n${n.location}`;

export class RemoteWriteThread implements RemoteWriteRunner {
  private worker: Worker | null = null;
  private labelPort: MessagePort | null = null;
  /** The labels key of every node as the thread has it. */
  private readonly sent = new Map<number, string>();
  /** Each target's figures from the running thread, and the sums of the threads before it. */
  private readonly figures = new Map<string, WriterFigures>();
  private readonly carried = new Map<string, WriterFigures>();
  private readonly statusCache: StatusCache;
  private unsubscribe: (() => void) | null = null;
  private restartTimer: Timer | null = null;
  /** Threads that ended in a row, each soon after it started, and when the running one started. */
  private failures = 0;
  private spawnedAt = 0;
  private stopping = false;

  constructor(
    private readonly targets: readonly RemoteWriteTarget[],
    outbox: OutboxStore,
    private readonly nodes: NodeSource,
    private readonly clock: Clock,
    private readonly options: ThreadOptions,
  ) {
    outbox.keepTargets(targets.map((t) => t.name));
    this.statusCache = new StatusCache(outbox, clock);
  }

  start(): this {
    this.unsubscribe = this.nodes.subscribe((event) => this.onHub(event));
    this.spawn();
    return this;
  }

  private labelsOf(id: number): NodeLabels | undefined {
    const node = this.nodes.get(id);
    // Only these three: a node record also carries its key's hash, which the thread has no use for.
    return node && { name: node.name, group: node.group, location: node.location };
  }

  /** Node changes go to the thread at once, before any sample they concern is stored. */
  private onHub(event: HubEvent): void {
    if (!this.labelPort || 'sampled' in event) return;
    const changes: LabelChanges = { set: [], removed: [] };
    if ('removed' in event) {
      for (const id of event.removed) if (this.sent.delete(id)) changes.removed.push(id);
    } else {
      for (const id of event.changed) {
        const labels = this.labelsOf(id);
        if (!labels || this.sent.get(id) === labelKey(labels)) continue;
        this.sent.set(id, labelKey(labels));
        changes.set.push([id, labels]);
      }
    }
    if (changes.set.length > 0 || changes.removed.length > 0) this.labelPort.postMessage(changes);
  }

  private spawn(): void {
    // libuv's thread pool is made by the first thread that needs it, and its threads take that
    // thread's nice: made now, from this thread, not later from the writer thread (its first DNS
    // lookup) 10 nicer, which would leave gzip, scrypt and async file work of the whole server there.
    stat(this.options.dbFile, () => undefined);
    const channel = new MessageChannel();
    this.labelPort = channel.port1;
    this.sent.clear();
    const nodes: [number, NodeLabels][] = [];
    for (const id of this.nodes.ids()) {
      const labels = this.labelsOf(id);
      if (!labels) continue;
      this.sent.set(id, labelKey(labels));
      nodes.push([id, labels]);
    }
    const { script, dbFile, addonFile, logLevel, limits } = this.options;
    const init: WriterThreadInit = { dbFile, addonFile, targets: [...this.targets], nodes, labels: channel.port2, logLevel, limits };
    const worker =
      'code' in script
        ? new Worker(script.code, { eval: true, workerData: init, transferList: [channel.port2] })
        : new Worker(script.file, { workerData: init, transferList: [channel.port2] });
    this.worker = worker;
    this.spawnedAt = this.clock.now();
    worker.on('message', (m: FromWriterThread) => {
      if (m.type === 'figures') this.figures.set(m.target, m.figures);
    });
    worker.on('error', (err) => {
      log.error('remote write thread failed', { code: 'PROBE_ERR_INTERNAL', error: err.message });
    });
    worker.on('exit', (code) => this.exited(worker, code));
  }

  /**
   * A thread that ended without being asked: its figures are kept, and another starts after a pause
   * that doubles while threads keep ending soon after they start (a broken install would otherwise
   * start one and log it every 5 s).
   */
  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.labelPort?.close();
    this.labelPort = null;
    for (const [target, f] of this.figures) this.carried.set(target, sumFigures(this.carried.get(target) ?? NO_FIGURES, f));
    this.figures.clear();
    if (this.stopping) return;
    this.failures = this.clock.now() - this.spawnedAt >= HEALTHY_MS ? 1 : this.failures + 1;
    const inMs = restartDelay(this.failures);
    log.error('remote write thread stopped; starting it again', { code: 'PROBE_ERR_INTERNAL', exitCode: code, inMs });
    this.restartTimer = this.clock.after(inMs, () => {
      this.restartTimer = null;
      if (!this.stopping) this.spawn();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.restartTimer?.cancel();
    this.unsubscribe?.();
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const stopped = new Promise<void>((resolve) => worker.on('message', (m: FromWriterThread) => m.type === 'stopped' && resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToWriterThread);
    const late = new Promise<void>((resolve) => this.clock.after(STOP_MS, resolve).unref());
    await Promise.race([stopped, exited, late]);
    // Kept-alive connections to the TSDB would keep the thread's loop going: it is done, so end it.
    await worker.terminate();
  }

  /** The thread's figures for a target, over every thread started. */
  private figuresOf(target: string): WriterFigures {
    const now = this.figures.get(target) ?? NO_FIGURES;
    const before = this.carried.get(target);
    return before ? sumFigures(before, now) : now;
  }

  /** Each target's figures, at most a second old (the backlog is a query). */
  status(): TargetStatus[] {
    return this.statusCache.get(this.targets.map((t) => [t.name, this.figuresOf(t.name)]));
  }

  /** /healthz's figures for admins: the sums and the largest lag over the targets. */
  health(): Record<string, number> {
    return healthOf(this.status());
  }
}

function sumFigures(a: WriterFigures, b: WriterFigures): WriterFigures {
  return {
    sentValues: a.sentValues + b.sentValues,
    skippedValues: a.skippedValues + b.skippedValues,
    failures: a.failures + b.failures,
    requests: a.requests + b.requests,
    lastError: b.lastError ?? a.lastError,
  };
}

/**
 * The server's remote write: in a worker thread when its code is there (the executable, the
 * bundle), else on the main thread (running from source), which the log says.
 */
export function startRemoteWrite(
  targets: readonly RemoteWriteTarget[],
  outbox: OutboxStore,
  nodes: NodeSource,
  clock: Clock,
  dataDir: string,
): RemoteWriteRunner {
  const script = writerThreadScript();
  if (!script) {
    log.info('remote write runs on the main thread: no worker code beside this one (running from source)');
    return new RemoteWrite(targets, outbox, (id) => nodes.get(id), clock);
  }
  const options = { script, dbFile: databaseFile(dataDir), addonFile: loadedSqliteAddonFile(), logLevel: logLevel() };
  log.info('remote write runs in a worker thread', { targets: targets.length });
  return new RemoteWriteThread(targets, outbox, nodes, clock, options);
}
