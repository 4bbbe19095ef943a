/**
 * @module Time series on SQLite. Each ingest flush appends one journal row holding all its
 * samples (one insert, whatever the number of agents), and the samples stay in memory until their
 * minute closes; then compaction packs each node-minute into a raw block. When an hour closes, its
 * raw blocks are rolled up once into the 1m, 15m and 1h tiers (reads fill the open hour from raw);
 * backfill within an hour of raw retention's end goes into them as it is packed. The journal is
 * trimmed once everything in it is packed, and replayed into memory at open, so an acked sample
 * survives any crash.
 */
import type Database from 'better-sqlite3';
import type { MetricValues } from '../protocol/metrics';
import { blockStats, decodeBlock, encodeBlock, encodeTable } from './codec';
import type { BlockSample } from './codec';
import { JournalRow, decodeJournal, unflatten } from './journal';
import { MetricCensus } from './metric-census';
import { MetricNames } from './metric-names';
import { MinuteBuffer } from './minute-buffer';
import { addSampleStats, addTableStats, mergeBuckets, round3 } from './rollup';
import type { Bucket, IdStats, Stat } from './rollup';
import type { IncomingSample, StoredSample } from './store';
import { TIERS, floorTo } from './tiers';
import type { Retention, Tier, TierName } from './tiers';

const MINUTE = 60_000;
/** A minute is packed this long after it ended, so samples still in flight reach memory first. */
const COMPACT_GRACE_MS = 5_000;
const [RAW, T1M, T15M, T1H] = TIERS as [Tier, Tier, Tier, Tier];

type JournalEntry = [nodeId: number, seq: number, ts: number, values: number[] | MetricValues];

/**
 * What rolling a node-hour up costs, in packed minutes: ~13 ms of CPU against ~0.5 (measured with
 * 39 metrics). Batches count it so, or 25 hours in one batch held the event loop for 0.3 s.
 */
export const HOUR_COST = 10;

export class Series {
  private readonly q;
  /** Samples not packed yet: node -> minute -> its samples (first copy of a ts wins). */
  private readonly pending = new Map<number, Map<number, MinuteBuffer>>();
  /** Hours with raw data packed since they were last rolled up: node -> hour starts. */
  private readonly dirtyHours = new Map<number, Set<number>>();
  private readonly journalRow = new JournalRow();
  private readonly names: MetricNames;
  private readonly metricCensus: MetricCensus;

  constructor(
    private readonly db: Database.Database,
    private readonly rawRetentionMs: number,
  ) {
    this.q = {
      addJournal: db.prepare('INSERT INTO journal (max_ts, data) VALUES (?, ?)'),
      journal: db.prepare<[], { data: string | Buffer }>('SELECT data FROM journal ORDER BY id'),
      trimJournal: db.prepare('DELETE FROM journal WHERE max_ts < ?'),
      countJournal: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM journal'),
      block: db.prepare<[number, number, number], { data: Buffer }>('SELECT data FROM blocks WHERE node_id = ? AND tier = ? AND start_ts = ?'),
      newestBlock: db.prepare<[number, number], { data: Buffer; start_ts: number }>('SELECT data, start_ts FROM blocks WHERE node_id = ? AND tier = ? ORDER BY start_ts DESC LIMIT 1'),
      blockRange: db.prepare<[number, number, number, number], { start: number; data: Buffer }>(
        'SELECT start_ts AS start, data FROM blocks WHERE node_id = ? AND tier = ? AND start_ts >= ? AND start_ts < ? ORDER BY start_ts',
      ),
      putBlock: db.prepare('INSERT OR REPLACE INTO blocks (node_id, tier, start_ts, count, data) VALUES (?, ?, ?, ?, ?)'),
      expireBlocks: db.prepare(
        'DELETE FROM blocks WHERE (node_id, tier, start_ts) IN (SELECT node_id, tier, start_ts FROM blocks WHERE tier = ? AND start_ts < ? LIMIT ?)',
      ),
      deleteNodeBlocks: db.prepare('DELETE FROM blocks WHERE node_id = ?'),
      setLastSeen: db.prepare('UPDATE nodes SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?'),
      countBlocks: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM blocks'),
      newestRawPerNode: db.prepare<[], { node_id: number; ts: number }>('SELECT node_id, max(start_ts) AS ts FROM blocks WHERE tier = 0 GROUP BY node_id'),
    };
    this.names = new MetricNames(db);
    this.metricCensus = new MetricCensus(db, this.names);
    this.replayJournal();
    // A crash may have come between an hour closing and its rollup: redo the last two hours.
    for (const { node_id, ts } of this.q.newestRawPerNode.all()) {
      const hour = floorTo(ts, T1H.stepMs);
      this.markDirty(node_id, hour);
      this.markDirty(node_id, hour - T1H.stepMs);
    }
  }

  private bucketToBlock(b: Bucket): BlockSample {
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

  private bucketFromBlock(s: BlockSample, only?: ReadonlySet<number>): Bucket {
    const flat = this.names.toNames(s.values, only);
    const stats: Record<string, Stat> = {};
    for (const key in flat) {
      if (key.includes(':')) continue;
      const v = flat[key]!;
      stats[key] = { avg: v, min: flat[`${key}:min`] ?? v, max: flat[`${key}:max`] ?? v, n: flat[`${key}:n`] ?? 1 };
    }
    return { ts: s.ts, stats };
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
        const [ids, data] = unflatten(Array.isArray(values) ? values : Object.entries(this.names.toIds(values)).flatMap(([id, v]) => [Number(id), v]));
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

  // ---- packing and rollups -----------------------------------------------------------------

  private readBlock(nodeId: number, tier: Tier, start: number): BlockSample[] {
    const row = this.q.block.get(nodeId, tier.id, start);
    return row ? decodeBlock(row.data) : [];
  }

  private writeBlock(nodeId: number, tier: Tier, start: number, samples: BlockSample[]): void {
    this.q.putBlock.run(nodeId, tier.id, start, samples.length, encodeBlock(samples));
  }

  /** Puts buckets into their tier's block, replacing those with the same ts; returns the block's buckets. */
  private upsertBuckets(nodeId: number, tier: Tier, buckets: Bucket[]): Bucket[] {
    if (buckets.length === 0) return [];
    const start = floorTo(buckets[0]!.ts, tier.blockMs);
    const byTs = new Map(this.readBlock(nodeId, tier, start).map((s) => [s.ts, s]));
    for (const b of buckets) byTs.set(b.ts, this.bucketToBlock(b));
    const all = [...byTs.values()].sort((a, b) => a.ts - b.ts);
    this.writeBlock(nodeId, tier, start, all);
    return all.map((s) => this.bucketFromBlock(s));
  }

  private markDirty(nodeId: number, hour: number): void {
    let set = this.dirtyHours.get(nodeId);
    if (!set) this.dirtyHours.set(nodeId, (set = new Set()));
    set.add(hour);
  }

  /**
   * Packs a node-minute into its raw block. `old`: the minute lies in the last hour before raw
   * retention deletes it (or beyond), where its hour can no longer be rolled up from raw whole;
   * then returns the 1m bucket of the samples it adds, for addToRollups (so backfill of any age
   * reaches the rollups), and marks nothing for a rollup. A minute retention may have deleted
   * gets no raw block of its own again: one made of the late samples alone would pass for the
   * whole minute (rollHour reads every raw block as whole).
   */
  private packMinute(nodeId: number, minute: number, fresh: MinuteBuffer, old: boolean, expiredBefore: number): Bucket | null {
    const existing = this.readBlock(nodeId, RAW, minute);
    let newest: number;
    const added: IdStats = new Map();
    if (existing.length === 0) {
      const table = fresh.toTable();
      newest = table.ts[table.ts.length - 1]!;
      if (minute >= expiredBefore) this.q.putBlock.run(nodeId, RAW.id, minute, table.ts.length, encodeTable(table));
      if (old) addTableStats(added, table);
    } else {
      // A late sample for a packed minute (backfill); the first stored copy of a ts wins.
      const byTs = new Map(existing.map((s) => [s.ts, s]));
      for (const s of fresh.toSamples()) {
        if (byTs.has(s.ts)) continue;
        byTs.set(s.ts, s);
        if (old) addSampleStats(added, s);
      }
      const merged = [...byTs.values()].sort((a, b) => a.ts - b.ts);
      newest = merged.at(-1)!.ts;
      this.writeBlock(nodeId, RAW, minute, merged);
    }
    this.q.setLastSeen.run(newest, nodeId);
    if (old) return added.size > 0 ? { ts: minute, stats: this.statsByName(added) } : null;
    this.markDirty(nodeId, floorTo(minute, T1H.stepMs));
    return null;
  }

  private statsByName(stats: IdStats): Record<string, Stat> {
    const out: Record<string, Stat> = {};
    for (const [id, c] of stats) out[this.names.nameOf(id)] = { avg: round3(c.sum / c.n), min: c.min, max: c.max, n: c.n };
    return out;
  }

  /**
   * Adds 1m buckets of late samples to the buckets holding them in the 1m, 15m and 1h tiers,
   * reading and writing each block once for all of them (a block per minute made backfill of old
   * hours ~10 times dearer to pack than the rest).
   */
  private addToRollups(nodeId: number, minutes: readonly Bucket[]): void {
    for (const tier of [T1M, T15M, T1H]) {
      const byBlock = new Map<number, Bucket[]>();
      for (const b of mergeBuckets(minutes, tier.stepMs)) {
        const start = floorTo(b.ts, tier.blockMs);
        const list = byBlock.get(start);
        if (list) list.push(b);
        else byBlock.set(start, [b]);
      }
      for (const [start, deltas] of byBlock) {
        const byTs = new Map(this.readBlock(nodeId, tier, start).map((s) => [s.ts, s]));
        for (const delta of deltas) {
          const current = byTs.get(delta.ts);
          byTs.set(delta.ts, this.bucketToBlock(current ? mergeBuckets([this.bucketFromBlock(current), delta], tier.stepMs)[0]! : delta));
        }
        this.writeBlock(nodeId, tier, start, [...byTs.values()].sort((a, b) => a.ts - b.ts));
      }
    }
  }

  /**
   * Rolls one closed hour up from its raw blocks: its 1m block is rewritten whole, its quarters
   * and the hour bucket replace theirs in the 15m and 1h blocks. In an hour that retention may
   * have begun to delete, only the minutes that still have raw blocks are replaced (the others
   * are in the 1m block already: rolled up before, or added by addToRollups).
   */
  private rollHour(nodeId: number, hour: number, now: number): void {
    const whole = hour >= now - this.rawRetentionMs + T1H.stepMs;
    // A raw block is one minute, so one 1m bucket. (The hour's minutes were all packed before: compact packs first.)
    let minutes: Bucket[] = [];
    for (const row of this.q.blockRange.all(nodeId, RAW.id, hour, hour + T1H.stepMs)) {
      const columns = blockStats(row.data, row.start, row.start + T1M.stepMs);
      if (columns.length === 0) continue;
      const stats: Record<string, Stat> = {};
      for (const c of columns) stats[this.names.nameOf(c.id)] = { avg: round3(c.sum / c.n), min: c.min, max: c.max, n: c.n };
      minutes.push({ ts: row.start, stats });
    }
    if (minutes.length === 0) return;
    if (whole) this.writeBlock(nodeId, T1M, hour, minutes.map((b) => this.bucketToBlock(b)));
    else minutes = this.upsertBuckets(nodeId, T1M, minutes);
    const quarters = mergeBuckets(minutes, T15M.stepMs);
    this.upsertBuckets(nodeId, T15M, quarters);
    this.upsertBuckets(nodeId, T1H, mergeBuckets(quarters, T1H.stepMs));
  }

  /**
   * Packs node-minutes that closed before `now`, then rolls up node-hours that closed, each kind in
   * one transaction, doing `limit` units of work (a minute is one, an hour HOUR_COST; the last
   * hour may pass the limit). Returns the units done: `limit` or more means more may be waiting.
   */
  compact(now: number, limit: number): number {
    const closedBefore = floorTo(now - COMPACT_GRACE_MS, MINUTE);
    const minutes: [number, number, MinuteBuffer][] = [];
    outer: for (const [nodeId, byMinute] of this.pending) {
      for (const [minute, samples] of byMinute) {
        if (minute + MINUTE > closedBefore) continue;
        minutes.push([nodeId, minute, samples]);
        if (minutes.length >= limit) break outer;
      }
    }
    if (minutes.length > 0) {
      // Backfill this old (a day-long outage) goes to the rollups as it is packed: its hour's rollup from raw would miss what retention deleted.
      const oldBefore = now - this.rawRetentionMs + T1H.stepMs;
      // What applyRetention(now) deletes, and so may have deleted before.
      const expiredBefore = now - this.rawRetentionMs - RAW.blockMs + 1;
      this.db.transaction(() => {
        const late = new Map<number, Bucket[]>();
        for (const [nodeId, minute, samples] of minutes) {
          const bucket = this.packMinute(nodeId, minute, samples, minute < oldBefore, expiredBefore);
          if (!bucket) continue;
          const list = late.get(nodeId);
          if (list) list.push(bucket);
          else late.set(nodeId, [bucket]);
        }
        for (const [nodeId, buckets] of late) this.addToRollups(nodeId, buckets);
      })();
      for (const [nodeId, minute] of minutes) {
        const byMinute = this.pending.get(nodeId)!;
        byMinute.delete(minute);
        if (byMinute.size === 0) this.pending.delete(nodeId);
      }
    }
    const hours: [number, number][] = [];
    if (minutes.length < limit) {
      outer: for (const [nodeId, set] of this.dirtyHours) {
        for (const hour of set) {
          if (hour + T1H.stepMs > closedBefore) continue;
          hours.push([nodeId, hour]);
          if (minutes.length + hours.length * HOUR_COST >= limit) break outer;
        }
      }
    }
    if (hours.length > 0) {
      this.db.transaction(() => {
        for (const [nodeId, hour] of hours) this.rollHour(nodeId, hour, now);
      })();
      for (const [nodeId, hour] of hours) {
        const set = this.dirtyHours.get(nodeId)!;
        set.delete(hour);
        if (set.size === 0) this.dirtyHours.delete(nodeId);
      }
    }
    const done = minutes.length + hours.length * HOUR_COST;
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
      deleted += this.q.expireBlocks.run(tier.id, expiredBefore, limit - deleted).changes;
    }
    return deleted;
  }

  /** Call inside the removal's transaction. Its metric names go too, unless another node uses them or a census is still reading. */
  removeNode(nodeId: number): void {
    this.names.removeNode(nodeId, !this.metricCensus.pending);
    this.q.deleteNodeBlocks.run(nodeId);
    this.pending.delete(nodeId);
    this.dirtyHours.delete(nodeId);
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

  private bucketsOf(nodeId: number, tier: Tier, from: number, to: number, only?: ReadonlySet<number>): Bucket[] {
    const out: Bucket[] = [];
    for (const row of this.q.blockRange.all(nodeId, tier.id, floorTo(from, tier.blockMs), to)) {
      for (const s of decodeBlock(row.data)) if (s.ts >= from && s.ts < to) out.push(this.bucketFromBlock(s, only));
    }
    return out;
  }

  buckets(nodeId: number, tierName: Exclude<TierName, 'raw'>, from: number, to: number, names?: readonly string[]): Bucket[] {
    return this.bucketsOf(nodeId, TIERS.find((t) => t.name === tierName)!, from, to, this.idFilter(names, true));
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
    for (const row of this.q.blockRange.all(nodeId, RAW.id, floorTo(from, RAW.blockMs), to)) {
      for (const s of decodeBlock(row.data)) if (s.ts >= from && s.ts < to) byTs.set(s.ts, s);
    }
    for (const [minute, buffer] of this.pending.get(nodeId) ?? []) {
      if (minute + MINUTE <= from || minute >= to) continue;
      for (const s of buffer.toSamples()) if (s.ts >= from && s.ts < to && !byTs.has(s.ts)) byTs.set(s.ts, s);
    }
    return [...byTs.values()].sort((a, b) => a.ts - b.ts).map((s) => ({ nodeId, seq: s.seq, ts: s.ts, values: this.names.toNames(s.values, only) }));
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
    for (const buffer of this.pending.get(nodeId)?.values() ?? []) if (buffer.size > 0 && (!newestBuffer || buffer.newestTs > newestBuffer.newestTs)) newestBuffer = buffer;
    let best: BlockSample | null = newestBuffer?.toSamples().at(-1) ?? null;
    if (!best) {
      const row = this.q.newestBlock.get(nodeId, RAW.id);
      best = row ? (decodeBlock(row.data).at(-1) ?? null) : null;
    }
    return best ? { nodeId, seq: best.seq, ts: best.ts, values: this.names.toNames(best.values) } : null;
  }

  counts(): { blocks: number; journalRows: number; pendingSamples: number } {
    let pendingSamples = 0;
    for (const minutes of this.pending.values()) for (const buffer of minutes.values()) pendingSamples += buffer.size;
    return { blocks: this.q.countBlocks.get()!.n, journalRows: this.q.countJournal.get()!.n, pendingSamples };
  }
}
