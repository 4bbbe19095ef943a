/**
 * Database bytes per raw sample and per rollup bucket, and the projected file size for 100 nodes
 * kept one year with the default retention. Usage: npm run bench:size [-- --hours 6]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { valuesRow } from '../src/protocol/row';
import { openSqliteStore } from '../src/store/sqlite-store';
import { DEFAULT_RETENTION, TIERS } from '../src/store/tiers';
import { metricStream } from './synthetic';

const { values: args } = parseArgs({ options: { hours: { type: 'string', default: '6' }, nodes: { type: 'string', default: '2' } } });
const hours = Number(args.hours);
const nodes = Number(args.nodes);
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-bench-size-'));
try {
  const store = openSqliteStore(dir);
  const start = Date.UTC(2026, 0, 5); // a Monday 00:00 UTC: whole hours, days and weeks
  let valuesPerSample = 0;
  for (let n = 0; n < nodes; n++) {
    const node = store.addNode({ name: `n${n}`, group: '', location: '', keyHash: `hash${n}` }, start);
    const next = metricStream(n + 1);
    for (let minute = 0; minute < hours * 60; minute++) {
      const batch = Array.from({ length: 60 }, (_, i) => {
        const values = next();
        valuesPerSample = Object.keys(values).length;
        const k = minute * 60 + i;
        return { nodeId: node.id, seq: k + 1, ts: start + k * 1000, row: valuesRow(values) };
      });
      store.writeSamples(batch);
      store.compact(start + (minute + 1) * 60_000 + 10_000, 10_000);
    }
  }
  store.close();

  const db = new Database(path.join(dir, 'probe.db'));
  db.exec('VACUUM');
  const fileBytes = statSync(path.join(dir, 'probe.db')).size;
  const rows = db
    .prepare('SELECT tier, count(*) AS blocks, sum(length(data)) AS bytes, sum(count) AS entries FROM blocks GROUP BY tier')
    .all() as { tier: number; blocks: number; bytes: number; entries: number }[];
  db.close();
  const payload = rows.reduce((s, r) => s + r.bytes, 0);
  const overhead = fileBytes / payload; // pages, indexes, node rows: spread over the payload
  const perEntry = Object.fromEntries(rows.map((r) => [TIERS[r.tier]!.name, (r.bytes / r.entries) * overhead]));
  const secondsPerYearKept = (name: string, stepMs: number) =>
    Math.min(DEFAULT_RETENTION[name as keyof typeof DEFAULT_RETENTION], 365 * 86_400_000) / stepMs;
  const perNodeYear =
    perEntry.raw! * secondsPerYearKept('raw', 1000) +
    perEntry['1m']! * secondsPerYearKept('1m', 60_000) +
    perEntry['15m']! * secondsPerYearKept('15m', 900_000) +
    perEntry['1h']! * secondsPerYearKept('1h', 3_600_000);
  const projected100 = perNodeYear * 100;
  console.log(
    `simulated ${nodes} nodes × ${hours} h at 1 s, ${valuesPerSample} values per sample; file ${(fileBytes / 1e6).toFixed(2)} MB after VACUUM`,
  );
  for (const r of rows) {
    const name = TIERS[r.tier]!.name;
    console.log(
      `  ${name.padEnd(4)} ${String(r.blocks).padStart(6)} blocks ${String(r.entries).padStart(8)} entries  ${perEntry[name]!.toFixed(1)} bytes per ${name === 'raw' ? 'sample' : 'bucket'} (file overhead included)`,
    );
  }
  console.log(`raw: ${(perEntry.raw! / valuesPerSample).toFixed(2)} bytes per value`);
  console.log(
    `projected for 100 nodes, 1 year, default retention (raw 24h, 1m 7d, 15m 90d, 1h 400d): ${(projected100 / 2 ** 30).toFixed(3)} GiB (target < 2 GiB)`,
  );
  console.log(
    JSON.stringify({
      valuesPerSample,
      bytesPerRawSample: +perEntry.raw!.toFixed(2),
      bytesPerRawValue: +(perEntry.raw! / valuesPerSample).toFixed(3),
      projectedGiB100NodesYear: +(projected100 / 2 ** 30).toFixed(3),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
