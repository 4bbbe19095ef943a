/**
 * @module Time series on SQLite. Each ingest flush appends one journal row holding all its
 * samples (one insert, whatever the number of agents), and the samples stay in memory until their
 * minute closes; then compaction (compaction.ts) packs them into blocks (blocks.ts) and rolls
 * closed hours up (reads fill the open hour from raw). The journal is trimmed once everything in
 * it is packed, and replayed into memory at open, so an acked sample survives any crash.
 */
import type Database from 'better-sqlite3';
import type { MetricValues } from '../protocol/metrics';
import { Blocks } from './blocks';
import { decodeBlock } from './codec';
import type { BlockSample } from './codec';
import { Compaction } from './compaction';
import type { Pending } from './compaction';
import { JournalRow, decodeJournal, unflatten } from './journal';
import { MetricCensus } from './metric-census';
import { MetricNames } from './metric-names';
import { MinuteBuffer } from './minute-buffer';
import type { Bucket } from './rollup';
import type { IncomingSample, StoredSample } from './store';
import { TIERS, floorTo } from './tiers';
import type { Retention, Tier, TierName } from './tiers';

export { HOUR_COST } from './compaction';

const MINUTE = 60_000;
const RAW = TIERS[0] as Tier;

type JournalEntry = [nodeId: number, seq: number, ts: number, values: number[] | MetricValues];

export class Series {
  private readonly q;
  private readonly pending: Pending = new Map();
  private readonly journalRow = new JournalRow();
  private readonly names: MetricNames;
  private readonly metricCensus: MetricCensus;
  private readonly blocks: Blocks;
  private readonly compaction: Compaction;

  constructor(db: Database.Database, rawRetentionMs: number) {
    this.q = {
      addJournal: db.prepare('INSERT INTO journal (max_ts, data) VALUES (?, ?)'),
      journal: db.prepare<[], { data: string | Buffer }>('SELECT data FROM journal ORDER BY id'),
      trimJournal: db.prepare('DELETE FROM journal WHERE max_ts < ?'),
      countJournal: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM journal'),
    };
    this.names = new MetricNames(db);
    this.metricCensus = new MetricCensus(db, this.names);
    this.blocks = new Blocks(db, this.names);
    this.replayJournal();
    this.compaction = new Compaction(db, this.blocks, this.names, this.pending, rawRetentionMs);
  }

  // ---- writing -----------------------------------------------------------------------------

  private addPending(nodeId: number, ts: number, seq: number, ids: readonly number[], values: ArrayLike<number>): void {
    let minutes = this.pending.get(nodeId);
    if (!minutes) this.pending.set(nodeId, (minutes = new Map()));
    const minute = floorTo(ts, MINUTE);
    let buffer = minutes.get(minute);
    if (!buffer) {
      // Expected to need what the node's minute before did (still pending when the next one starts).
      let before = 0;
      for (const other of minutes.values()) before = Math.max(before, other.byteLength);
      minutes.set(minute, (buffer = new MinuteBuffer(before ? Math.ceil(before * 1.05) + 512 : 0)));
    }
    buffer.add(ts, seq, ids, values);
  }

  private replayJournal(): void {
    for (const { data } of this.q.journal.all()) {
      if (typeof data !== 'string') {
        decodeJournal(data, (nodeId, seq, ts, ids, values) => this.addPending(nodeId, ts, seq, ids, values));
        continue;
      }
      // Rows written before the binary journal (format 1 had metric ids, format 0 names).
      const row = JSON.parse(data) as { f: number; s: JournalEntry[] };
      for (const [nodeId, seq, ts, values] of row.s) {
        const [ids, data] = unflatten(
          Array.isArray(values) ? values : Object.entries(this.names.toIds(values)).flatMap(([id, v]) => [Number(id), v]),
        );
        this.addPending(nodeId, ts, seq, ids, data);
      }
    }
  }

  /**
   * Call inside the caller's transaction: one journal row for the whole batch (journal.ts), and
   * the names samples use for the first time recorded with their node. A sample of a node that no
   * longer exists (removed while it was queued) is dropped when it brings new names.
   */
  write(samples: readonly IncomingSample[]): void {
    if (samples.length === 0) return;
    const row = this.journalRow;
    row.start();
    let maxTs = 0;
    let written = 0;
    for (const s of samples) {
      if (s.newNames && s.newNames.length > 0 && !this.names.addToNode(s.nodeId, s.newNames)) continue;
      written++;
      const ids = this.names.idsOf(s.row.names);
      row.add(s.nodeId, s.seq, s.ts, ids, s.row.data);
      if (s.ts > maxTs) maxTs = s.ts;
      this.addPending(s.nodeId, s.ts, s.seq, ids, s.row.data);
    }
    if (written > 0) this.q.addJournal.run(maxTs, row.bytes());
  }

  // ---- packing, retention, removal -----------------------------------------------------

  /** See Compaction.run; once nothing is left to do, trims the journal. */
  compact(now: number, limit: number): number {
    const done = this.compaction.run(now, limit);
    if (done < limit) this.trimJournal();
    return done;
  }

  /** Deletes journal rows all of whose samples are packed. */
  private trimJournal(): void {
    let oldest = Infinity;
    for (const minutes of this.pending.values()) for (const minute of minutes.keys()) if (minute < oldest) oldest = minute;
    this.q.trimJournal.run(Number.isFinite(oldest) ? oldest : Number.MAX_SAFE_INTEGER);
  }

  applyRetention(now: number, retention: Retention, limit: number): number {
    let deleted = 0;
    for (const tier of TIERS) {
      if (deleted >= limit) break;
      // A block goes once all of it is older than the tier keeps.
      const expiredBefore = now - retention[tier.name] - tier.blockMs + 1;
      deleted += this.blocks.expire(tier, expiredBefore, limit - deleted);
    }
    return deleted;
  }

  /** Call inside the removal's transaction. Its metric names go too, unless another node uses them or a census is still reading. */
  removeNode(nodeId: number): void {
    this.names.removeNode(nodeId, !this.metricCensus.pending);
    this.blocks.removeNode(nodeId);
    this.pending.delete(nodeId);
    this.compaction.removeNode(nodeId);
  }

  // ---- reading -----------------------------------------------------------------------------

  /** The ids of `names` (and with `stats`, of their rollup stats), for reads that want only these. */
  private idFilter(names: readonly string[] | undefined, stats: boolean): ReadonlySet<number> | undefined {
    if (!names) return undefined;
    const ids = new Set<number>();
    for (const name of names) {
      for (const key of stats ? [name, `${name}:min`, `${name}:max`, `${name}:n`] : [name]) {
        const id = this.names.findId(key);
        if (id !== undefined) ids.add(id);
      }
    }
    return ids;
  }

  buckets(nodeId: number, tierName: Exclude<TierName, 'raw'>, from: number, to: number, names?: readonly string[]): Bucket[] {
    return this.blocks.buckets(nodeId, TIERS.find((t) => t.name === tierName)!, from, to, this.idFilter(names, true));
  }

  /** Names a node has used (see MetricNames). */
  namesOfNode(nodeId: number): string[] {
    return this.names.namesOfNode(nodeId);
  }

  /** See MetricCensus.step. */
  census(limit: number): number {
    return this.metricCensus.step(limit);
  }

  samples(nodeId: number, from: number, to: number, names?: readonly string[]): StoredSample[] {
    const only = this.idFilter(names, false);
    const byTs = new Map<number, BlockSample>();
    for (const row of this.blocks.range(nodeId, RAW, floorTo(from, RAW.blockMs), to)) {
      for (const s of decodeBlock(row.data)) if (s.ts >= from && s.ts < to) byTs.set(s.ts, s);
    }
    for (const [minute, buffer] of this.pending.get(nodeId) ?? []) {
      if (minute + MINUTE <= from || minute >= to) continue;
      for (const s of buffer.toSamples()) if (s.ts >= from && s.ts < to && !byTs.has(s.ts)) byTs.set(s.ts, s);
    }
    return [...byTs.values()]
      .sort((a, b) => a.ts - b.ts)
      .map((s) => ({ nodeId, seq: s.seq, ts: s.ts, values: this.names.toNames(s.values, only) }));
  }

  /** Newest timestamp held in memory for the node, or 0. */
  newestPending(nodeId: number): number {
    let newest = 0;
    for (const buffer of this.pending.get(nodeId)?.values() ?? []) newest = Math.max(newest, buffer.newestTs);
    return newest;
  }

  latest(nodeId: number): StoredSample | null {
    // Only the minute holding the newest sample is decoded: at start, every node's (10 000 at once).
    let newestBuffer: MinuteBuffer | null = null;
    for (const buffer of this.pending.get(nodeId)?.values() ?? [])
      if (buffer.size > 0 && (!newestBuffer || buffer.newestTs > newestBuffer.newestTs)) newestBuffer = buffer;
    let best: BlockSample | null = newestBuffer?.toSamples().at(-1) ?? null;
    best ??= this.blocks.newest(nodeId, RAW).at(-1) ?? null;
    return best ? { nodeId, seq: best.seq, ts: best.ts, values: this.names.toNames(best.values) } : null;
  }

  counts(): { blocks: number; journalRows: number; pendingSamples: number } {
    let pendingSamples = 0;
    for (const minutes of this.pending.values()) for (const buffer of minutes.values()) pendingSamples += buffer.size;
    return { blocks: this.blocks.count(), journalRows: this.q.countJournal.get()!.n, pendingSamples };
  }
}
