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
import { Outbox } from './outbox';
import type { Bucket } from './rollup';
import { CHECK_SERIES_BASE } from './store';
import type { IncomingSample, StoredSample } from './store';
import { TIERS, floorTo } from './tiers';
import type { Retention, Tier, TierName } from './tiers';

export { HOUR_COST } from './compaction';

const MINUTE = 60_000;
/** Compaction packs a minute this long after it closed (compaction.ts): later, a copy may sit in a block. */
const PACK_GRACE_MS = 5_000;
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
  readonly outbox: Outbox;
  private readonly outboxRow = new JournalRow();
  /** Minutes ending at or before this may have been packed (before the first compaction since open: any). */
  private packedUpTo = Number.POSITIVE_INFINITY;

  constructor(
    db: Database.Database,
    rawRetentionMs: number,
    outbox = false,
    private readonly now: () => number = Date.now,
  ) {
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
    this.outbox = new Outbox(db, this.names, outbox);
    this.compaction = new Compaction(db, this.blocks, this.names, this.pending, rawRetentionMs);
  }

  // ---- writing -----------------------------------------------------------------------------

  /** Adds a sample to memory; false when its node-minute there holds that timestamp already. */
  private addPending(nodeId: number, ts: number, seq: number, ids: readonly number[], values: ArrayLike<number>): boolean {
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
    const before = buffer.size;
    buffer.add(ts, seq, ids, values);
    return buffer.size > before;
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
    const fresh: IncomingSample[] | null = this.outbox.enabled ? [] : null;
    const blockTs = new Map<string, Set<number>>();
    for (const s of samples) {
      if (s.newNames && s.newNames.length > 0 && !this.names.addToNode(s.nodeId, s.newNames)) continue;
      written++;
      const ids = this.names.idsOf(s.row.names);
      row.add(s.nodeId, s.seq, s.ts, ids, s.row.data);
      if (s.ts > maxTs) maxTs = s.ts;
      const added = this.addPending(s.nodeId, s.ts, s.seq, ids, s.row.data);
      if (fresh && added && s.nodeId < CHECK_SERIES_BASE && !this.inBlock(s.nodeId, s.ts, blockTs)) fresh.push(s);
    }
    if (written === 0) return;
    this.q.addJournal.run(maxTs, row.bytes());
    if (fresh && fresh.length > 0)
      this.outbox.add(this.now(), fresh.length, fresh.length === samples.length ? row.bytes() : this.rowOf(fresh));
  }

  /**
   * Whether a raw block already holds the node's sample at `ts` (an agent sending again what was
   * stored before it heard the ack); only minutes compaction may have packed are read, once per write.
   */
  private inBlock(nodeId: number, ts: number, cache: Map<string, Set<number>>): boolean {
    const minute = floorTo(ts, MINUTE);
    if (minute + MINUTE > this.packedUpTo) return false;
    const key = `${nodeId}:${minute}`;
    let stamps = cache.get(key);
    if (!stamps) cache.set(key, (stamps = new Set(this.blocks.read(nodeId, RAW, minute).map((s) => s.ts))));
    return stamps.has(ts);
  }

  /** An outbox row of some samples of a write (journal.ts format). */
  private rowOf(samples: readonly IncomingSample[]): Buffer {
    const row = this.outboxRow;
    row.start();
    for (const s of samples) row.add(s.nodeId, s.seq, s.ts, this.names.idsOf(s.row.names), s.row.data);
    return row.bytes();
  }

  // ---- packing, retention, removal -----------------------------------------------------

  /** See Compaction.run; once nothing is left to do, trims the journal. */
  compact(now: number, limit: number): number {
    this.packedUpTo = floorTo(now - PACK_GRACE_MS, MINUTE);
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
