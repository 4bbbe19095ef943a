/**
 * @module The agent's on-disk buffer: every sample is appended to a segment file before it is
 * sent, and stays there until the server acks it, so neither a server outage nor an agent restart
 * loses it. Bounded by bytes and age; when full the oldest segment goes first and its unacked
 * samples are counted as dropped. Not fsynced: it protects against outages and restarts, not
 * against the node's own power loss. Each segment starts with the schema its array-form samples
 * follow; after a restart with another schema (an upgrade, new latency targets) older segments are
 * rewritten in the object form, so the server reads them right whatever the new hello says.
 * A full or failing state directory does not stop the agent: samples are then held in memory
 * (bounded) and sent live; a damaged segment's unreadable lines are skipped and counted.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { log } from '../util/log';
import { addAcked, isAcked, readAckState, writeAckState } from './ack-state';
import type { AckState } from './ack-state';
import { SCHEMA_LINE, loadSegments, readSegmentFile } from './segment-file';

export interface BufferLimits {
  maxBytes: number;
  maxAgeMs: number;
}

export const DEFAULT_BUFFER_LIMITS: BufferLimits = { maxBytes: 64 * 1024 * 1024, maxAgeMs: 24 * 3_600_000 };

/** Samples per segment file. */
const SEGMENT_SAMPLES = 1000;
/** Newest samples also kept in memory, so live sending never reads the disk. */
const MEMORY_SAMPLES = 2000;
/** Samples held in memory alone while the state directory cannot be written (~3 h at 1 s, a few MB). */
export const MEMORY_HOLD_SAMPLES = 10_000;
/** While the state directory cannot be written, it is tried again this often. */
const DISK_RETRY_MS = 10_000;

interface Segment {
  first: number;
  last: number;
  /** Timestamp of the newest sample in it. */
  lastTs: number;
  bytes: number;
  /** The segment's file, or null for samples held in memory while the disk could not take them. */
  file: string | null;
  /** A memory segment's samples (none are dropped from its middle: dropping takes the oldest). */
  held?: BufferedSample[];
}

export interface BufferedSample {
  seq: number;
  ts: number;
  /** The sample as a JSON frame: what is stored and what backfill sends. */
  text: string;
  /** For live sending in a compact frame: the values aligned with the schema; unset when some metric is outside it. Not stored. */
  fields?: (number | null)[];
}

export class SampleBuffer {
  private readonly segments: Segment[] = [];
  private readonly recent = new Map<number, BufferedSample>();
  private readonly state: AckState;
  private fd: number | null = null;
  private stateDirty = false;
  /** The last segment read from disk: backfill reads one segment in several batches. */
  private cached: { file: string; samples: BufferedSample[] } | null = null;

  /** The schema of array-form samples written now, as the JSON written at the top of each segment. */
  private readonly schemaText: string | null;
  /** While the state directory cannot be written: when to try it again. */
  private diskRetryAt: number | null = null;
  private heldCount = 0;
  /** Lines of damaged segments skipped at start. */
  readonly garbled: number = 0;

  constructor(
    private readonly dir: string,
    private readonly limits: BufferLimits = DEFAULT_BUFFER_LIMITS,
    schema: readonly string[] | null = null,
  ) {
    this.schemaText = schema && JSON.stringify(schema);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.state = readAckState(dir);
    const { segments, present, garbled } = loadSegments(dir, this.schemaText, schema);
    for (const seg of segments) {
      this.segments.push(seg);
      this.state.lastSeq = Math.max(this.state.lastSeq, seg.last);
    }
    this.garbled = garbled;
    this.skipMissing(present, garbled);
  }

  /**
   * Seqs that no segment holds any more (damaged lines, a torn tail, samples held in memory when
   * the agent stopped, old arrays no schema fits) are counted as dropped and marked done, so the
   * acked floor moves past them.
   */
  private skipMissing(present: ReadonlySet<number>, garbled: number): void {
    const missing: number[] = [];
    for (let seq = this.state.floor + 1; seq <= this.state.lastSeq; seq++) if (!present.has(seq) && !this.isAcked(seq)) missing.push(seq);
    this.state.dropped += missing.length;
    this.ack(missing, false);
    if (missing.length > 0 || garbled > 0)
      log.warn('skipped damaged or missing samples in the buffer; sending the rest', {
        dir: this.dir,
        garbledLines: garbled,
        missingSamples: missing.length,
      });
  }

  get dropped(): number {
    return this.state.dropped;
  }

  nextSeq(): number {
    return this.state.lastSeq + 1;
  }

  isAcked(seq: number): boolean {
    return isAcked(this.state, seq);
  }

  /** Stores a sample (its text must be one line): on disk, or in memory while the disk cannot take it. */
  append(sample: BufferedSample, now: number): void {
    if (!this.writeToDisk(sample, now)) this.hold(sample);
    this.state.lastSeq = sample.seq;
    this.stateDirty = true;
    this.recent.set(sample.seq, sample);
    if (this.recent.size > MEMORY_SAMPLES) this.recent.delete(this.recent.keys().next().value!);
    this.enforceLimits(now);
  }

  /** Appends to the open segment (a new one when due); false while the state directory cannot be written. */
  private writeToDisk(sample: BufferedSample, now: number): boolean {
    if (this.diskRetryAt !== null && now < this.diskRetryAt) return false;
    let current = this.segments.at(-1);
    const fresh = !current || current.file === null || current.last - current.first + 1 >= SEGMENT_SAMPLES || this.fd === null;
    // Only a new segment needs its name: path.join every second was a part of what a sample costs.
    const file = fresh ? path.join(this.dir, `${sample.seq}.seg`) : '';
    const line = `${sample.seq} ${sample.ts} ${sample.text}\n`;
    const bytes = Buffer.byteLength(line);
    try {
      if (fresh) {
        if (this.fd !== null) closeSync(this.fd);
        this.fd = null;
        this.fd = openSync(file, 'a', 0o600);
        current = { first: sample.seq, last: sample.seq, lastTs: sample.ts, bytes: 0, file };
        if (this.schemaText) current.bytes += writeSync(this.fd, `${SCHEMA_LINE}${this.schemaText}\n`);
      }
      // A short write is a full disk too: the torn line is skipped when read, the sample kept in memory.
      if (writeSync(this.fd!, line) < bytes) throw new Error('short write: no space left');
    } catch (err) {
      if (this.diskRetryAt === null)
        log.warn('cannot write the buffer to disk; holding samples in memory and sending them live', {
          dir: this.dir,
          error: (err as Error).message,
          memorySamples: MEMORY_HOLD_SAMPLES,
        });
      this.diskRetryAt = now + DISK_RETRY_MS;
      // A new file that got nothing whole goes; a torn line in an old one is skipped when read.
      if (fresh) rmSync(file, { force: true });
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
      return false;
    }
    if (fresh) this.segments.push(current!);
    current!.last = sample.seq;
    current!.lastTs = sample.ts;
    current!.bytes += bytes;
    if (this.diskRetryAt !== null) log.info('the buffer is written to disk again', { dir: this.dir, heldInMemory: this.heldCount });
    this.diskRetryAt = null;
    return true;
  }

  /** Keeps a sample in memory alone; past MEMORY_HOLD_SAMPLES the oldest held one goes, counted if unacked. */
  private hold(sample: BufferedSample): void {
    let seg = this.segments.at(-1);
    if (!seg?.held) this.segments.push((seg = { first: sample.seq, last: sample.seq, lastTs: sample.ts, bytes: 0, file: null, held: [] }));
    seg.held!.push(sample);
    seg.last = sample.seq;
    seg.lastTs = sample.ts;
    seg.bytes += sample.text.length;
    if (++this.heldCount <= MEMORY_HOLD_SAMPLES) return;
    const at = this.segments.findIndex((g) => g.held);
    const oldest = this.segments[at]!;
    const gone = oldest.held!.shift()!;
    this.heldCount--;
    oldest.bytes -= gone.text.length;
    if (!this.isAcked(gone.seq)) this.state.dropped++;
    this.ack([gone.seq], false);
    if (oldest.held!.length === 0) this.segments.splice(at, 1);
    else oldest.first = oldest.held![0]!.seq;
  }

  private enforceLimits(now: number): void {
    let total = this.segments.reduce((s, seg) => s + seg.bytes, 0);
    while (this.segments.length > 1 && (total > this.limits.maxBytes || this.segments[0]!.lastTs < now - this.limits.maxAgeMs)) {
      const oldest = this.segments[0]!;
      for (let seq = oldest.first; seq <= oldest.last; seq++) if (!this.isAcked(seq)) this.state.dropped++;
      total -= oldest.bytes;
      this.removeOldest();
    }
  }

  private removeOldest(): void {
    const oldest = this.segments.shift()!;
    if (oldest.file !== null) rmSync(oldest.file, { force: true });
    this.heldCount -= oldest.held?.length ?? 0;
    if (this.cached?.file === oldest.file) this.cached = null;
    this.state.floor = Math.max(this.state.floor, oldest.last);
    this.state.acked = this.state.acked.filter(([, b]) => b > this.state.floor);
    this.stateDirty = true;
  }

  /** Records acked seqs (any order) and deletes segments that hold nothing unacked any more. */
  ack(seqs: readonly number[], trim = true): void {
    for (const seq of seqs) {
      this.recent.delete(seq);
      if (!this.isAcked(seq)) addAcked(this.state, seq);
    }
    while (trim && this.segments.length > 0 && this.segments[0]!.last <= this.state.floor && (this.segments.length > 1 || this.fd === null))
      this.removeOldest();
    this.stateDirty = true;
  }

  /** Unacked samples in seq order, oldest first, at most `limit`, after `afterSeq`. Reads the disk only for old ones. */
  unacked(afterSeq: number, limit: number): BufferedSample[] {
    const out: BufferedSample[] = [];
    for (const seg of this.segments) {
      if (seg.last <= afterSeq || seg.last <= this.state.floor) continue;
      for (const s of this.samplesOf(seg, afterSeq)) {
        if (s.seq <= afterSeq || this.isAcked(s.seq)) continue;
        out.push(s);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** A segment's samples: held ones, the newest from memory, older ones read from disk. */
  private samplesOf(seg: Segment, afterSeq: number): readonly BufferedSample[] {
    if (seg.held || seg.file === null) return seg.held ?? [];
    if (this.recent.has(Math.max(seg.first, afterSeq + 1))) {
      return Array.from({ length: seg.last - seg.first + 1 }, (_, i) => this.recent.get(seg.first + i)).filter(
        (s): s is BufferedSample => s !== undefined,
      );
    }
    // The open segment still grows; only closed ones are cached.
    const file = seg.file;
    if (seg === this.segments.at(-1)) return readSegmentFile(file).samples;
    if (this.cached?.file !== file) this.cached = { file, samples: readSegmentFile(file).samples };
    return this.cached.samples;
  }

  get unackedCount(): number {
    let n = 0;
    for (const seg of this.segments)
      for (let seq = Math.max(seg.first, this.state.floor + 1); seq <= seg.last; seq++) if (!this.isAcked(seq)) n++;
    return n;
  }

  /** Writes the ack state if it changed (call every few seconds and at exit). */
  persist(): void {
    if (!this.stateDirty) return;
    // A full state directory: tried again next time (append logs the state directory's trouble once).
    if (writeAckState(this.dir, this.state)) this.stateDirty = false;
  }

  close(): void {
    this.persist();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
