/**
 * @module Remote write inside its worker thread: the writers of every target over an outbox read
 * through the thread's own SQLite connection, so reading windows, encoding, compressing, sending
 * and saving cursors take none of the main thread's time. Node labels come from the main thread
 * (remote-write-thread.ts); figures and the end go back to it.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { receiveMessageOnPort } from 'node:worker_threads';
import type { RemoteWriteTarget } from '../../config/remote-write';
import { openOutboxConnection } from '../../store/sqlite-store';
import type { OutboxStore } from '../../store/store';
import { systemClock } from '../../util/clock';
import { log, setLogLevel } from '../../util/log';
import type { LogLevel } from '../../util/log';
import { RemoteWriter } from './remote-writer';
import type { WriterFigures, WriterLimits } from './remote-writer';
import { SeriesLabels } from './series-labels';
import type { NodeLabels } from './series-labels';

/** What the thread starts with (its workerData). */
export interface WriterThreadInit {
  /** The server's probe.db, opened and migrated by the server. */
  dbFile: string;
  /** better-sqlite3's addon file as the server loaded it (native.ts), or undefined to let better-sqlite3 look. */
  addonFile: string | undefined;
  targets: RemoteWriteTarget[];
  /** Every node's labels when the thread was started; changes come on `labels`. */
  nodes: [number, NodeLabels][];
  /** Carries LabelChanges, read before each slice of outbox rows (so a node added before its samples were stored is known). */
  labels: MessagePort;
  logLevel: LogLevel;
  limits?: WriterLimits;
}

/** Nodes whose labels changed (or that were added), and nodes removed. */
export interface LabelChanges {
  set: [number, NodeLabels][];
  removed: number[];
}

/** From the main thread to the worker. */
export type ToWriterThread = { type: 'stop' };
/** From the worker to the main thread. */
export type FromWriterThread = { type: 'figures'; target: string; figures: WriterFigures } | { type: 'stopped' };

/** The outbox, with the node labels brought up to date before each read. */
function drainingOutbox(outbox: OutboxStore, drain: () => void): OutboxStore {
  return {
    enabled: outbox.enabled,
    keepTargets: (targets) => outbox.keepTargets(targets),
    cursor: (target) => outbox.cursor(target),
    saveCursor: (target, cursor) => outbox.saveCursor(target, cursor),
    windowEnd: (afterId, maxRows, maxSamples) => outbox.windowEnd(afterId, maxRows, maxSamples),
    read: (afterId, toId, maxRows, onSample) => {
      drain();
      return outbox.read(afterId, toId, maxRows, onSample);
    },
    nameOf: (id) => outbox.nameOf(id),
    backlog: (afterId) => outbox.backlog(afterId),
  };
}

/** This thread's id in the kernel (Linux: /proc/thread-self is `<pid>/task/<tid>`), to find its CPU in `top -H` or /proc. */
function kernelThreadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').at(-1)) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * How much nicer than the process the thread runs (Linux): when the cores are short, as when 10 000
 * agents reconnect at once and the thread has their outbox to catch up on, the main thread (agents'
 * samples, acks, the live page) goes first, and remote write takes what is left: its lag grows,
 * nothing is lost. Fully loaded it still gets about a tenth of a core next to each busy thread of
 * the process's own nice.
 */
export const WRITER_NICER = 10;

/** Lowers this thread's priority by WRITER_NICER (to 19 at most); its nice value, or null where it cannot. */
function lowerPriority(tid: number | undefined): number | null {
  if (tid === undefined) return null;
  try {
    // With a thread's id, setpriority(2) on Linux sets that thread's nice alone.
    const nice = Math.min(19, getPriority(tid) + WRITER_NICER);
    setPriority(tid, nice);
    return nice;
  } catch {
    return null;
  }
}

/** Runs the writers until the main thread says stop; `parent` is the thread's parentPort. */
export function runWriterThread(init: WriterThreadInit, parent: MessagePort): void {
  setLogLevel(init.logLevel);
  const tid = kernelThreadId();
  log.info('remote write thread started', { tid, nice: lowerPriority(tid) });
  const nodes = new Map(init.nodes);
  const drain = () => {
    for (let m = receiveMessageOnPort(init.labels); m; m = receiveMessageOnPort(init.labels)) {
      const changes = m.message as LabelChanges;
      for (const [id, labels] of changes.set) nodes.set(id, labels);
      for (const id of changes.removed) nodes.delete(id);
    }
  };
  const connection = openOutboxConnection(init.dbFile, init.addonFile);
  const outbox = drainingOutbox(connection.outbox, drain);
  const labels = new SeriesLabels(
    (id) => nodes.get(id),
    (id) => outbox.nameOf(id),
  );
  const writers = init.targets.map((target) => {
    const writer = new RemoteWriter(target, outbox, labels, systemClock, init.limits);
    writer.onFigures = () =>
      parent.postMessage({ type: 'figures', target: target.name, figures: { ...writer.figures } } satisfies FromWriterThread);
    return writer.start();
  });
  parent.on('message', (message: ToWriterThread) => {
    if (message.type !== 'stop') return;
    void Promise.all(writers.map((w) => w.stop())).then(() => {
      connection.close();
      init.labels.close();
      parent.postMessage({ type: 'stopped' } satisfies FromWriterThread);
      parent.close();
    });
  });
}
