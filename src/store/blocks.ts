/**
 * @module The blocks table: each node's history stored per tier in blocks (raw: a minute of
 * samples; rollup tiers: buckets of avg/min/max/count), read and written whole, and the
 * translation between a rollup bucket by metric name and a block sample by metric id.
 */
import type Database from 'better-sqlite3';
import { decodeBlock, encodeBlock, encodeTable } from './codec';
import type { BlockSample, BlockTable } from './codec';
import type { MetricNames } from './metric-names';
import type { Bucket, Stat } from './rollup';
import { floorTo } from './tiers';
import type { Tier } from './tiers';

export class Blocks {
  private readonly q;

  constructor(
    db: Database.Database,
    private readonly names: MetricNames,
  ) {
    this.q = {
      block: db.prepare<[number, number, number], { data: Buffer }>(
        'SELECT data FROM blocks WHERE node_id = ? AND tier = ? AND start_ts = ?',
      ),
      newest: db.prepare<[number, number], { data: Buffer; start_ts: number }>(
        'SELECT data, start_ts FROM blocks WHERE node_id = ? AND tier = ? ORDER BY start_ts DESC LIMIT 1',
      ),
      range: db.prepare<[number, number, number, number], { start: number; data: Buffer }>(
        'SELECT start_ts AS start, data FROM blocks WHERE node_id = ? AND tier = ? AND start_ts >= ? AND start_ts < ? ORDER BY start_ts',
      ),
      put: db.prepare('INSERT OR REPLACE INTO blocks (node_id, tier, start_ts, count, data) VALUES (?, ?, ?, ?, ?)'),
      expire: db.prepare(
        'DELETE FROM blocks WHERE (node_id, tier, start_ts) IN ' +
          '(SELECT node_id, tier, start_ts FROM blocks WHERE tier = ? AND start_ts < ? LIMIT ?)',
      ),
      deleteNode: db.prepare('DELETE FROM blocks WHERE node_id = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM blocks'),
      newestPerNode: db.prepare<[number], { node_id: number; ts: number }>(
        'SELECT node_id, max(start_ts) AS ts FROM blocks WHERE tier = ? GROUP BY node_id',
      ),
    };
  }

  read(nodeId: number, tier: Tier, start: number): BlockSample[] {
    const row = this.q.block.get(nodeId, tier.id, start);
    return row ? decodeBlock(row.data) : [];
  }

  write(nodeId: number, tier: Tier, start: number, samples: BlockSample[]): void {
    this.q.put.run(nodeId, tier.id, start, samples.length, encodeBlock(samples));
  }

  /** Writes a raw block from a minute's table, as packed (cheaper than samples one by one). */
  writeTable(nodeId: number, tier: Tier, start: number, table: BlockTable): void {
    this.q.put.run(nodeId, tier.id, start, table.ts.length, encodeTable(table));
  }

  /** The blocks of a node and tier starting in [from, to), oldest first, still encoded. */
  range(nodeId: number, tier: Tier, from: number, to: number): { start: number; data: Buffer }[] {
    return this.q.range.all(nodeId, tier.id, from, to);
  }

  /** The samples of the node's newest block of the tier. */
  newest(nodeId: number, tier: Tier): BlockSample[] {
    const row = this.q.newest.get(nodeId, tier.id);
    return row ? decodeBlock(row.data) : [];
  }

  /** Start of each node's newest block of the tier. */
  newestPerNode(tier: Tier): { node_id: number; ts: number }[] {
    return this.q.newestPerNode.all(tier.id);
  }

  /** Deletes up to `limit` blocks of the tier that start before `before`; returns how many. */
  expire(tier: Tier, before: number, limit: number): number {
    return this.q.expire.run(tier.id, before, limit).changes;
  }

  removeNode(nodeId: number): void {
    this.q.deleteNode.run(nodeId);
  }

  count(): number {
    return this.q.count.get()!.n;
  }

  toBlock(b: Bucket): BlockSample {
    const values: Record<number, number> = {};
    for (const name in b.stats) {
      const s = b.stats[name]!;
      const [avg, min, max, n] = this.names.statIdsOf(name);
      values[avg!] = s.avg;
      values[min!] = s.min;
      values[max!] = s.max;
      values[n!] = s.n;
    }
    return { ts: b.ts, seq: 0, values };
  }

  fromBlock(s: BlockSample, only?: ReadonlySet<number>): Bucket {
    const flat = this.names.toNames(s.values, only);
    const stats: Record<string, Stat> = {};
    for (const key in flat) {
      if (key.includes(':')) continue;
      const v = flat[key]!;
      stats[key] = { avg: v, min: flat[`${key}:min`] ?? v, max: flat[`${key}:max`] ?? v, n: flat[`${key}:n`] ?? 1 };
    }
    return { ts: s.ts, stats };
  }

  /** Puts buckets into their tier's block, replacing those with the same ts; returns the block's buckets. */
  upsertBuckets(nodeId: number, tier: Tier, buckets: Bucket[]): Bucket[] {
    if (buckets.length === 0) return [];
    const start = floorTo(buckets[0]!.ts, tier.blockMs);
    const byTs = new Map(this.read(nodeId, tier, start).map((s) => [s.ts, s]));
    for (const b of buckets) byTs.set(b.ts, this.toBlock(b));
    const all = [...byTs.values()].sort((a, b) => a.ts - b.ts);
    this.write(nodeId, tier, start, all);
    return all.map((s) => this.fromBlock(s));
  }

  /** The buckets of a rollup tier in [from, to), oldest first. */
  buckets(nodeId: number, tier: Tier, from: number, to: number, only?: ReadonlySet<number>): Bucket[] {
    const out: Bucket[] = [];
    for (const row of this.range(nodeId, tier, floorTo(from, tier.blockMs), to)) {
      for (const s of decodeBlock(row.data)) if (s.ts >= from && s.ts < to) out.push(this.fromBlock(s, only));
    }
    return out;
  }
}
