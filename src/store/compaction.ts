/**
 * @module Compaction: packs each closed node-minute of pending samples into a raw block, and rolls
 * each closed hour up once into the 1m, 15m and 1h tiers. Backfill within an hour of raw
 * retention's end goes into the rollups as it is packed (its hour can no longer be rolled up
 * from raw whole).
 */
import type Database from 'better-sqlite3';
import { blockStats } from './codec';
import type { Blocks } from './blocks';
import type { MetricNames } from './metric-names';
import type { MinuteBuffer } from './minute-buffer';
import { addSampleStats, addTableStats, mergeBuckets, round3 } from './rollup';
import type { Bucket, IdStats, Stat } from './rollup';
import { TIERS, floorTo } from './tiers';
import type { Tier } from './tiers';

const MINUTE = 60_000;
/** A minute is packed this long after it ended, so samples still in flight reach memory first. */
const COMPACT_GRACE_MS = 5_000;
const [RAW, T1M, T15M, T1H] = TIERS as [Tier, Tier, Tier, Tier];

/**
 * What rolling a node-hour up costs, in packed minutes: ~13 ms of CPU against ~0.5 (measured with
 * 39 metrics). Batches count it so, or 25 hours in one batch held the event loop for 0.3 s.
 */
export const HOUR_COST = 10;

/** Samples not packed yet: node -> minute -> its samples (first copy of a ts wins). */
export type Pending = Map<number, Map<number, MinuteBuffer>>;

export class Compaction {
  /** Hours with raw data packed since they were last rolled up: node -> hour starts. */
  private readonly dirtyHours = new Map<number, Set<number>>();
  private readonly setLastSeen;

  constructor(
    private readonly db: Database.Database,
    private readonly blocks: Blocks,
    private readonly names: MetricNames,
    private readonly pending: Pending,
    private readonly rawRetentionMs: number,
  ) {
    this.setLastSeen = db.prepare('UPDATE nodes SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?');
    // A crash may have come between an hour closing and its rollup: redo the last two hours.
    for (const { node_id, ts } of blocks.newestPerNode(RAW)) {
      const hour = floorTo(ts, T1H.stepMs);
      this.markDirty(node_id, hour);
      this.markDirty(node_id, hour - T1H.stepMs);
    }
  }

  removeNode(nodeId: number): void {
    this.dirtyHours.delete(nodeId);
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
    const existing = this.blocks.read(nodeId, RAW, minute);
    let newest: number;
    const added: IdStats = new Map();
    if (existing.length === 0) {
      const table = fresh.toTable();
      newest = table.ts[table.ts.length - 1]!;
      if (minute >= expiredBefore) this.blocks.writeTable(nodeId, RAW, minute, table);
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
      this.blocks.write(nodeId, RAW, minute, merged);
    }
    this.setLastSeen.run(newest, nodeId);
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
        const byTs = new Map(this.blocks.read(nodeId, tier, start).map((s) => [s.ts, s]));
        for (const delta of deltas) {
          const current = byTs.get(delta.ts);
          byTs.set(delta.ts, this.blocks.toBlock(current ? mergeBuckets([this.blocks.fromBlock(current), delta], tier.stepMs)[0]! : delta));
        }
        this.blocks.write(
          nodeId,
          tier,
          start,
          [...byTs.values()].sort((a, b) => a.ts - b.ts),
        );
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
    for (const row of this.blocks.range(nodeId, RAW, hour, hour + T1H.stepMs)) {
      const columns = blockStats(row.data, row.start, row.start + T1M.stepMs);
      if (columns.length === 0) continue;
      const stats: Record<string, Stat> = {};
      for (const c of columns) stats[this.names.nameOf(c.id)] = { avg: round3(c.sum / c.n), min: c.min, max: c.max, n: c.n };
      minutes.push({ ts: row.start, stats });
    }
    if (minutes.length === 0) return;
    if (whole)
      this.blocks.write(
        nodeId,
        T1M,
        hour,
        minutes.map((b) => this.blocks.toBlock(b)),
      );
    else minutes = this.blocks.upsertBuckets(nodeId, T1M, minutes);
    const quarters = mergeBuckets(minutes, T15M.stepMs);
    this.blocks.upsertBuckets(nodeId, T15M, quarters);
    this.blocks.upsertBuckets(nodeId, T1H, mergeBuckets(quarters, T1H.stepMs));
  }

  /**
   * Packs node-minutes that closed before `now`, then rolls up node-hours that closed, each kind in
   * one transaction, doing `limit` units of work (a minute is one, an hour HOUR_COST; the last
   * hour may pass the limit). Returns the units done: `limit` or more means more may be waiting.
   */
  run(now: number, limit: number): number {
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
      // Backfill this old (a day-long outage) goes to the rollups as it is packed: its hour's rollup from raw would miss
      // what retention deleted.
      const oldBefore = now - this.rawRetentionMs + T1H.stepMs;
      // What applyRetention(now) deletes, and so may have deleted before.
      const expiredBefore = now - this.rawRetentionMs - RAW.blockMs + 1;
      // IMMEDIATE: see sqlite-roles.ts, writeSamples.
      const pack = this.db.transaction(() => {
        const late = new Map<number, Bucket[]>();
        for (const [nodeId, minute, samples] of minutes) {
          const bucket = this.packMinute(nodeId, minute, samples, minute < oldBefore, expiredBefore);
          if (!bucket) continue;
          const list = late.get(nodeId);
          if (list) list.push(bucket);
          else late.set(nodeId, [bucket]);
        }
        for (const [nodeId, buckets] of late) this.addToRollups(nodeId, buckets);
      });
      pack.immediate();
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
      const roll = this.db.transaction(() => {
        for (const [nodeId, hour] of hours) this.rollHour(nodeId, hour, now);
      });
      roll.immediate();
      for (const [nodeId, hour] of hours) {
        const set = this.dirtyHours.get(nodeId)!;
        set.delete(hour);
        if (set.size === 0) this.dirtyHours.delete(nodeId);
      }
    }
    return minutes.length + hours.length * HOUR_COST;
  }
}
