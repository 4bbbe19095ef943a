/**
 * Remote write in its worker thread: it reads, encodes, sends and saves its cursor while the main
 * thread is busy and never yields, every sample arrives once in a real VictoriaMetrics, and a node
 * renamed on the main thread is sent under its new name; a thread that dies is started again. The
 * thread runs at a lower priority than the main one (10 nicer).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { valuesRow } from '../../../src/protocol/row';
import type { HubEvent } from '../../../src/server/fleet/hub';
import { RemoteWriteThread, restartDelay } from '../../../src/server/remote/remote-write-thread';
import type { NodeSource, WriterScript } from '../../../src/server/remote/remote-write-thread';
import type { NodeLabels } from '../../../src/server/remote/series-labels';
import { WRITER_NICER } from '../../../src/server/remote/writer-thread';
import { loadedSqliteAddonFile } from '../../../src/store/native';
import { databaseFile, openSqliteStore } from '../../../src/store/sqlite-store';
import { systemClock } from '../../../src/util/clock';
import type { Clock } from '../../../src/util/clock';
import { tempDir, threadNice, waitFor } from '../../helpers';
import { exportSeries, freePort, startVictoriaMetrics } from '../../e2e/tsdb';

const NODES = 5;
const SAMPLES = 40;
/** The thread's code from source, through tsx (the executable runs its bundled copy). */
const entry = path.join(import.meta.dirname, '../../../src/server/remote/writer-thread-entry.ts');
const script = { code: `require('tsx/cjs'); require(${JSON.stringify(entry)});` };

/** The hub as the thread sees it: labels by id and the change events. */
function nodeSource(labels: Map<number, NodeLabels>) {
  const listeners = new Set<(event: HubEvent) => void>();
  const source: NodeSource = {
    ids: () => [...labels.keys()],
    get: (id) => labels.get(id),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { source, emit: (event: HubEvent) => listeners.forEach((l) => l(event)) };
}

type TestContext = { after(fn: () => unknown): void };

/** This process's threads WRITER_NICER nicer than the process. */
function niceThreads(): number[] {
  const writerNice = Math.min(19, getPriority() + WRITER_NICER);
  return [...threadNice(process.pid)].filter(([, nice]) => nice === writerNice).map(([tid]) => tid);
}

/** A store with NODES nodes, a VictoriaMetrics, and a RemoteWriteThread over them (not started). */
async function rig(t: TestContext, threadScript: WriterScript, clock: Clock = systemClock) {
  const dir = tempDir(t, 'probe-rw-thread-');
  const vm = await startVictoriaMetrics(dir, await freePort());
  t.after(() => vm.proc.stop('SIGKILL'));
  const data = path.join(dir, 'data');
  const store = openSqliteStore(data, { outbox: true });
  t.after(() => store.close());
  const labels = new Map<number, NodeLabels>();
  const ids = Array.from({ length: NODES }, (_, i) => {
    const node = store.addNode({ name: `n${i}`, group: 'g', location: 'JP', keyHash: `h${i}` }, Date.now());
    labels.set(node.id, { name: node.name, group: 'g', location: 'JP' });
    return node.id;
  });
  const ts0 = Date.now() - 10 * 60_000;
  const write = (from: number, to: number) => {
    for (let i = from; i < to; i++)
      store.writeSamples(ids.map((nodeId) => ({ nodeId, seq: i, ts: ts0 + i * 1000, row: valuesRow({ cpu: i, memTotalBytes: 1e9 }) })));
  };
  const hub = nodeSource(labels);
  const target = { name: 'tsdb', url: vm.writeUrl, headers: {}, basicAuth: null, timeoutMs: 10_000 };
  // Small windows: many reads, requests and cursor saves, each of which must happen off this thread.
  const limits = { lingerMs: 0, windowSamples: 4 * NODES, windowRows: 4, requestBytes: 1 << 20 };
  const options = {
    script: threadScript,
    dbFile: databaseFile(data),
    addonFile: loadedSqliteAddonFile(),
    logLevel: 'info' as const,
    limits,
  };
  // Made before the samples are stored: a target sends what is stored from when it is configured.
  const remote = new RemoteWriteThread([target], store.outbox, hub.source, clock, options);
  t.after(() => remote.stop());
  const pending = () => store.outbox.backlog(store.outbox.cursor('tsdb').afterId).samples;
  /** VictoriaMetrics' cpu timestamps by node name. */
  const exported = async () =>
    new Map((await exportSeries(vm, 'probe_cpu_usage_percent')).map((s) => [s.metric.node!, [...s.timestamps].sort((a, b) => a - b)]));
  const stamps = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ts0 + (from + i) * 1000);
  return { ids, labels, hub, write, remote, pending, exported, stamps };
}

test('remote write in a worker thread sends while the main thread never yields, each sample once, and takes a rename', async (t) => {
  const { ids, labels, hub, write, remote, pending, exported, stamps } = await rig(t, script);
  assert.deepEqual(niceThreads(), [], 'no thread nicer than the process before');
  remote.start();
  await waitFor('the thread to lower its priority', () => niceThreads().length === 1, 10_000, 50);

  // Stored now (the thread, started on an empty outbox, looks again within a second), then busy
  // from here, never yielding to the event loop, until the outbox is sent or 60 s pass: only
  // another thread can move the cursor meanwhile.
  write(0, SAMPLES);
  assert.equal(pending(), NODES * SAMPLES);
  const blockedAt = Date.now();
  while (pending() > 0 && Date.now() - blockedAt < 60_000) {
    // Spinning on purpose.
  }
  assert.equal(pending(), 0, `every sample sent while the main thread was busy (${Date.now() - blockedAt} ms)`);

  labels.set(ids[0]!, { name: 'renamed', group: 'g', location: 'JP' });
  hub.emit({ changed: [ids[0]!] });
  write(SAMPLES, SAMPLES + 10);
  await waitFor(
    'the rest sent',
    () => remote.status()[0]!.pendingSamples === 0 && remote.status()[0]!.sentValues === 100 * NODES,
    30_000,
    200,
  );
  assert.equal(remote.status()[0]!.failures, 0);

  const byNode = await exported();
  for (let i = 1; i < NODES; i++) assert.deepEqual(byNode.get(`n${i}`), stamps(0, SAMPLES + 10), `n${i}: every sample once`);
  assert.deepEqual(byNode.get('n0'), stamps(0, SAMPLES), 'n0 under its old name until the rename');
  assert.deepEqual(byNode.get('renamed'), stamps(SAMPLES, SAMPLES + 10), 'and under its new name after');
});

test('a remote-write thread that dies is started again and sends every sample once', async (t) => {
  const mark = path.join(tempDir(t), 'died-once');
  // The first thread dies at once; the next runs the writer.
  const dying = {
    code: `if (!require('node:fs').existsSync(${JSON.stringify(mark)})) { require('node:fs').writeFileSync(${JSON.stringify(mark)}, ''); throw new Error('boom'); } ${script.code}`,
  };
  // Restarts without the 5 s pause.
  const hasty: Clock = { now: systemClock.now, after: (ms, fn) => systemClock.after(Math.min(ms, 50), fn), every: systemClock.every };
  const { write, remote, exported, stamps } = await rig(t, dying, hasty);
  write(0, SAMPLES);
  assert.deepEqual(niceThreads(), [], 'no thread nicer than the process before');
  remote.start();
  await waitFor('the thread to lower its priority', () => niceThreads().length === 1, 10_000, 50);
  await waitFor('every sample sent', () => remote.status()[0]!.pendingSamples === 0, 30_000, 200);
  assert.ok(existsSync(mark), 'the first thread died');
  await waitFor('the figures', () => remote.status()[0]!.sentValues === 2 * NODES * SAMPLES, 5000, 200);
  const byNode = await exported();
  for (let i = 0; i < NODES; i++) assert.deepEqual(byNode.get(`n${i}`), stamps(0, SAMPLES), `n${i}: every sample once`);
});

test('a remote-write thread that keeps dying at start is started again after 5 s, then 10, 20, … up to 5 minutes', async (t) => {
  assert.deepEqual([1, 2, 3, 4, 7, 8, 20].map(restartDelay), [5000, 10_000, 20_000, 40_000, 300_000, 300_000, 300_000]);
  // The clock records each pause asked for and waits 20 ms instead.
  const pauses: number[] = [];
  const recording: Clock = {
    now: systemClock.now,
    after: (ms, fn) => {
      pauses.push(ms);
      return systemClock.after(20, fn);
    },
    every: systemClock.every,
  };
  const { remote } = await rig(t, { code: "throw new Error('broken install')" }, recording);
  remote.start();
  await waitFor('four restarts', () => pauses.length >= 4, 20_000, 50);
  await remote.stop();
  assert.deepEqual(pauses.slice(0, 4), [5000, 10_000, 20_000, 40_000]);
});
