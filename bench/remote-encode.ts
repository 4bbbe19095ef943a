/**
 * @module What remote write's thread spends per value, alone and repeatable: an outbox of N nodes'
 * synthetic samples (bench/synthetic.ts) in a temp SQLite file, then every window read, grouped,
 * encoded and compressed as the writer thread does, without sending. Prints µs per value by
 * stage (read+group, order+encode, snappy) and the GC time.
 *   node --import tsx bench/remote-encode.ts [--nodes 10000] [--seconds 15] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SeriesLabels } from '../src/server/remote/series-labels';
import { WindowSeries } from '../src/server/remote/window';
import { DEFAULT_LIMITS } from '../src/server/remote/remote-writer';
import { openSqliteStore } from '../src/store/sqlite-store';
import { metricStream } from './synthetic';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '3' },
    flush: { type: 'string', default: '500' },
  },
});
const NODES = Number(args.nodes);
const SECONDS = Number(args.seconds);
const FLUSH = Number(args.flush);
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

const dir = mkdtempSync(join(tmpdir(), 'probe-rw-encode-'));
try {
  const store = openSqliteStore(dir, { outbox: true, now: () => T0 });
  const nodes = Array.from({ length: NODES }, (_, i) =>
    store.addNode({ name: `node-${i}`, group: 'g', location: 'DE', keyHash: `h${i}` }, T0),
  );
  store.outbox.keepTargets(['t']);
  const streams = nodes.map((_, i) => metricStream(i + 1));
  const first = streams[0]!();
  const names = Object.keys(first);
  let batch = [];
  for (let s = 0; s < SECONDS; s++) {
    for (let i = 0; i < NODES; i++) {
      const v = streams[i]!();
      batch.push({ nodeId: nodes[i]!.id, seq: s + 1, ts: T0 + s * 1000 + (i % 1000), row: { names, data: names.map((n) => v[n]!) } });
      if (batch.length === FLUSH) {
        store.writeSamples(batch);
        batch = [];
      }
    }
  }
  if (batch.length) store.writeSamples(batch);
  const labels = new SeriesLabels(
    (id) => ({ name: `node-${id}`, group: 'g', location: 'DE' }),
    (id) => store.outbox.nameOf(id),
  );
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  const window = new WindowSeries();
  console.log(`cpu: ${cpus()[0]?.model}; ${NODES} nodes × ${SECONDS} s, ${names.length} values a sample, flushes of ${FLUSH}`);
  for (let round = 0; round < Number(args.rounds); round++) {
    let afterId = 0;
    let values = 0;
    let bytes = 0;
    let readMs = 0;
    let encodeMs = 0;
    gcMs = 0;
    const cpu0 = process.cpuUsage();
    for (;;) {
      const toId = store.outbox.windowEnd(afterId, DEFAULT_LIMITS.windowRows, DEFAULT_LIMITS.windowSamples);
      if (toId === afterId) break;
      let t = performance.now();
      await window.read(store.outbox, afterId, toId, labels);
      readMs += performance.now() - t;
      t = performance.now();
      for await (const r of window.requests(DEFAULT_LIMITS.requestBytes, 0)) {
        values += r.values;
        bytes += r.body.length;
      }
      encodeMs += performance.now() - t;
      afterId = toId;
    }
    const cpu = process.cpuUsage(cpu0);
    const us = (ms: number) => ((ms * 1000) / values).toFixed(3);
    console.log(
      `round ${round + 1}: ${values} values, ${(bytes / values).toFixed(2)} B/value compressed; µs/value: read ${us(readMs)}, encode+snappy ${us(encodeMs)}, total CPU ${((cpu.user + cpu.system) / values).toFixed(3)}, GC ${us(gcMs)}; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
    );
  }
  obs.disconnect();
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
