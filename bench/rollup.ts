/**
 * What rolling closed hours up into the 1m/15m/1h tiers costs, per node-hour, as a day goes on
 * (the 15m and 1h blocks a rollup rewrites grow through the day and the week), and what that
 * means for 10 000 nodes at each hour's turn. Usage: npm run bench:rollup [-- --nodes 20 --hours 24]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { valuesRow } from '../src/protocol/row';
import { HOUR_COST } from '../src/store/series';
import { openSqliteStore } from '../src/store/sqlite-store';
import { metricStream } from './synthetic';

const { values: args } = parseArgs({ options: { nodes: { type: 'string', default: '20' }, hours: { type: 'string', default: '24' } } });
const nodes = Number(args.nodes);
const hours = Number(args.hours);
const FLEET = 10_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-bench-rollup-'));
const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};
try {
  const store = openSqliteStore(dir, { rawRetentionMs: 400 * 86_400_000 });
  const start = Date.UTC(2026, 0, 5); // a Monday 00:00 UTC: the day and week blocks start empty
  const ids = Array.from(
    { length: nodes },
    (_, n) => store.addNode({ name: `n${n}`, group: '', location: '', keyHash: `hash${n}` }, start).id,
  );
  const streams = ids.map((_, n) => metricStream(n + 1));
  const valuesPerSample = Object.keys(streams[0]!()).length;
  const perHour: number[] = [];
  let packMs = 0;
  for (let hour = 0; hour < hours; hour++) {
    for (let minute = 0; minute < 60; minute++) {
      for (let second = 0; second < 60; second++) {
        const k = (hour * 60 + minute) * 60 + second;
        store.writeSamples(ids.map((id, n) => ({ nodeId: id, seq: k + 1, ts: start + k * 1000, row: valuesRow(streams[n]!()) })));
      }
      // Each minute packed as it closes (the hour it ends is rolled below, on its own).
      const c0 = process.cpuUsage();
      store.compact(start + (hour * 60 + minute + 1) * 60_000 + 10_000, minute === 59 ? nodes : nodes * HOUR_COST);
      packMs += cpuMs(c0);
    }
    const c0 = process.cpuUsage();
    let units = 0;
    for (let n: number; (n = store.compact(start + (hour + 1) * 3_600_000 + 10_000, 25)) > 0; ) units += n;
    if (units !== nodes * HOUR_COST) throw new Error(`expected ${nodes} hours rolled, did ${units / HOUR_COST}`);
    perHour.push(cpuMs(c0) / nodes);
  }
  store.close();
  const packPerNodeMinute = packMs / (nodes * hours * 60);
  // The first hour also pays for compiling the code: left out of the worst case when there are others.
  const worst = Math.max(...(perHour.length > 1 ? perHour.slice(1) : perHour));
  console.log(`${nodes} nodes × ${hours} h, ${valuesPerSample} values per sample`);
  console.log(`packing a node-minute: ${packPerNodeMinute.toFixed(2)} ms CPU`);
  console.log(
    `rolling a node-hour up: ${perHour.map((ms) => ms.toFixed(1)).join(' ')} ms CPU (hour 1 … ${hours}); worst after the first ${worst.toFixed(1)}`,
  );
  // Upkeep takes at most a third of the event loop (see server/maintenance.ts): its work takes three times as long on the clock.
  console.log(
    `at ${FLEET} nodes: ${((worst * FLEET) / 1000).toFixed(0)} CPU-s at each hour's turn (${(((worst * FLEET) / 3_600_000) * 100).toFixed(1)} % of a core over the hour), spread over about ${((worst * FLEET * 3) / 60_000).toFixed(1)} min`,
  );
  console.log(
    JSON.stringify({
      nodes,
      hours,
      valuesPerSample,
      packMsPerNodeMinute: +packPerNodeMinute.toFixed(3),
      rollMsPerNodeHourFirst: +perHour[0]!.toFixed(2),
      rollMsPerNodeHourWorst: +worst.toFixed(2),
      fleetCpuSecondsPerHourTurn: Math.round((worst * FLEET) / 1000),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
