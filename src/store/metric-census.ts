/**
 * @module The one-time census of a database from before `node_metrics` (migration 10): reads which
 * metric ids each node's journal rows and blocks hold, in small batches, records them, and then
 * deletes the names no node uses (a removed node's, such as 125 000 names left by one flood).
 * Until it is done, removing a node keeps its names: another node's history may still need them.
 */
import type Database from 'better-sqlite3';
import { blockStats } from './codec';
import { decodeJournal } from './journal';
import type { MetricNames } from './metric-names';

/** Where the census stands: journal rows after `start_ts` while node_id is -1, then blocks after (node_id, tier, start_ts). */
interface Place {
  node_id: number;
  tier: number;
  start_ts: number;
}

const STAT_SUFFIX = /:(min|max|n)$/;

export class MetricCensus {
  private readonly q;

  constructor(
    private readonly db: Database.Database,
    private readonly names: MetricNames,
  ) {
    this.q = {
      place: db.prepare<[], Place>('SELECT node_id, tier, start_ts FROM metric_census LIMIT 1'),
      move: db.prepare('UPDATE metric_census SET node_id = ?, tier = ?, start_ts = ?'),
      finish: db.prepare('DELETE FROM metric_census'),
      journal: db.prepare<[number, number], { id: number; data: string | Buffer }>(
        'SELECT id, data FROM journal WHERE id > ? ORDER BY id LIMIT ?',
      ),
      blocks: db.prepare<[number, number, number, number], { node_id: number; tier: number; start_ts: number; data: Buffer }>(
        'SELECT node_id, tier, start_ts, data FROM blocks WHERE (node_id, tier, start_ts) > (?, ?, ?) ' +
          'ORDER BY node_id, tier, start_ts LIMIT ?',
      ),
      nodes: db.prepare<[], { id: number }>('SELECT id FROM nodes'),
      use: db.prepare('INSERT OR IGNORE INTO node_metrics (node_id, metric_id) VALUES (?, ?)'),
    };
  }

  /** Whether a census is still to be done (removing a node then keeps its names). */
  get pending(): boolean {
    return this.q.place.get() !== undefined;
  }

  /**
   * Reads up to `limit` journal rows or blocks and records their ids, in one transaction; after
   * the last, deletes the names no node uses. Returns the rows read (0: nothing to do).
   */
  step(limit: number): number {
    const place = this.q.place.get();
    if (!place) return 0;
    let read = 0;
    // IMMEDIATE: see sqlite-roles.ts, writeSamples.
    const census = this.db.transaction(() => {
      const nodes = new Set(this.q.nodes.all().map((r) => r.id));
      const use = (nodeId: number, ids: Iterable<number>) => {
        if (nodes.has(nodeId)) for (const id of ids) this.q.use.run(nodeId, id);
      };
      if (place.node_id === -1) {
        const rows = this.q.journal.all(place.start_ts, limit);
        for (const row of rows) this.journalRow(row.data, use);
        read = rows.length;
        if (rows.length < limit) this.q.move.run(0, 0, 0);
        else this.q.move.run(-1, 0, rows.at(-1)!.id);
        return;
      }
      const rows = this.q.blocks.all(place.node_id, place.tier, place.start_ts, limit);
      for (const row of rows) use(row.node_id, this.blockIds(row.tier, row.data));
      read = rows.length;
      if (rows.length === limit) {
        const last = rows.at(-1)!;
        this.q.move.run(last.node_id, last.tier, last.start_ts);
        return;
      }
      this.q.finish.run();
      this.names.sweepUnused();
    });
    census.immediate();
    return Math.max(read, 1);
  }

  private journalRow(data: string | Buffer, use: (nodeId: number, ids: Iterable<number>) => void): void {
    if (typeof data !== 'string') {
      decodeJournal(data, (nodeId, _seq, _ts, ids) => use(nodeId, ids));
      return;
    }
    // Rows written before the binary journal: values as [id, value, …] (format 1) or by name (format 0).
    const row = JSON.parse(data) as { s: [number, number, number, number[] | Record<string, number>][] };
    for (const [nodeId, , , values] of row.s) {
      const ids = Array.isArray(values)
        ? values.filter((_, i) => i % 2 === 0)
        : Object.keys(values).flatMap((name) => this.names.findId(name) ?? []);
      use(nodeId, ids);
    }
  }

  /** A block's metric ids; of a rollup block, not the `x:min`… ids that go with a name `x` in it. */
  private blockIds(tier: number, data: Buffer): number[] {
    const ids = blockStats(data, -Infinity, Infinity).map((c) => c.id);
    if (tier === 0) return ids;
    const names = new Set(ids.map((id) => this.names.nameOf(id)));
    return ids.filter((id) => {
      const name = this.names.nameOf(id);
      return !(STAT_SUFFIX.test(name) && names.has(name.replace(STAT_SUFFIX, '')));
    });
  }
}
