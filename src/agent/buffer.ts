/**
 * @module The agent's on-disk buffer: every sample is appended to a segment file before it is
 * sent, and stays there until the server acks it, so neither a server outage nor an agent restart
 * loses it. Bounded by bytes and age; when full the oldest segment goes first and its unacked
 * samples are counted as dropped. Not fsynced: it protects against outages and restarts, not
 * against the node's own power loss. Each segment starts with the schema its array-form samples
 * follow; after a restart with another schema (an upgrade, new latency targets) older segments are
 * rewritten in the object form, so the server reads them right whatever the new hello says.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { log } from '../util/log';
import { readSegmentFile } from './segment-file';
import type { SegmentSamples } from './segment-file';

export interface BufferLimits {
  maxBytes: number;
  maxAgeMs: number;
}

export const DEFAULT_BUFFER_LIMITS: BufferLimits = { maxBytes: 64 * 1024 * 1024, maxAgeMs: 24 * 3_600_000 };

/** Samples per segment file. */
const SEGMENT_SAMPLES = 1000;
/** Newest samples also kept in memory, so live sending never reads the disk. */
const MEMORY_SAMPLES = 2000;

interface Segment {
  first: number;
  last: number;
  /** Timestamp of the newest sample in it. */
  lastTs: number;
  bytes: number;
  file: string;
}

const SCHEMA_LINE = '#schema ';

interface State {
  /** Every seq up to this one is acked or dropped. */
  floor: number;
  /** Acked seqs above the floor, as inclusive [from, to] ranges, sorted. */
  acked: [number, number][];
  lastSeq: number;
  dropped: number;
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
  private state: State = { floor: 0, acked: [], lastSeq: 0, dropped: 0 };
  private fd: number | null = null;
  private stateDirty = false;
  /** The last segment read from disk: backfill reads one segment in several batches. */
  private cached: { file: string; samples: BufferedSample[] } | null = null;

  /** The schema of array-form samples written now, as the JSON written at the top of each segment. */
  private readonly schemaText: string | null;

  constructor(
    private readonly dir: string,
    private readonly limits: BufferLimits = DEFAULT_BUFFER_LIMITS,
    private readonly schema: readonly string[] | null = null,
  ) {
    this.schemaText = schema && JSON.stringify(schema);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      this.state = { ...this.state, ...(JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as State) };
    } catch {
      // No state yet (first start) or unreadable: segments still tell which samples exist.
    }
    const seqs: number[][] = [];
    let damaged = false;
    for (const name of readdirSync(dir).filter((n) => /^\d+\.seg$/.test(n)).sort((a, b) => parseInt(a) - parseInt(b))) {
      const file = path.join(dir, name);
      let lines = this.readSegment(file);
      seqs.push(lines.map((l) => l.seq));
      if (lines.skipped) {
        damaged = true;
        log.warn('agent buffer: unreadable lines skipped (a damaged segment, or a line torn by a crash); the rest is sent', { file, lines: lines.skipped });
      }
      if (this.schemaText && lines.length > 0 && this.segmentSchema(file) !== this.schemaText) lines = this.rewrite(file, lines);
      if (lines.length === 0) {
        rmSync(file, { force: true });
        continue;
      }
      this.segments.push({ first: lines[0]!.seq, last: lines.at(-1)!.seq, lastTs: lines.at(-1)!.ts, bytes: statSync(file).size, file });
      this.state.lastSeq = Math.max(this.state.lastSeq, lines.at(-1)!.seq);
    }
    if (damaged) this.dropLost(seqs);
  }

  private segmentSchema(file: string): string | null {
    const head = readFileSync(file, 'utf8').split('\n', 1)[0]!;
    return head.startsWith(SCHEMA_LINE) ? head.slice(SCHEMA_LINE.length) : null;
  }

  /**
   * Rewrites a segment of another schema under the current one: its array-form samples in the
   * object form, by name. A segment from before schemas were recorded can only be kept if its
   * arrays fit the current schema; otherwise its unacked samples are dropped and counted.
   */
  private rewrite(file: string, lines: BufferedSample[]): BufferedSample[] {
    const old = this.segmentSchema(file);
    const names = old === null ? null : (JSON.parse(old) as string[]);
    const kept: BufferedSample[] = [];
    for (const sample of lines) {
      const msg = JSON.parse(sample.text) as { values: unknown; [k: string]: unknown };
      if (!Array.isArray(msg.values)) {
        kept.push(sample);
        continue;
      }
      const schema = names ?? (msg.values.length === this.schema!.length ? this.schema! : null);
      if (!schema || schema.length !== msg.values.length) {
        if (!this.isAcked(sample.seq)) this.state.dropped++;
        continue;
      }
      const values: Record<string, number> = {};
      msg.values.forEach((v, i) => v !== null && (values[schema[i]!] = v as number));
      kept.push({ ...sample, text: JSON.stringify({ ...msg, values }) });
    }
    const body = kept.map((s) => `${s.seq} ${s.ts} ${s.text}\n`).join('');
    writeFileSync(`${file}.tmp`, `${SCHEMA_LINE}${this.schemaText}\n${body}`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    if (kept.length < lines.length) this.stateDirty = true;
    // Dropped seqs count as done, so the floor can move past them.
    const keptSeqs = new Set(kept.map((s) => s.seq));
    this.ack(lines.filter((s) => !keptSeqs.has(s.seq)).map((s) => s.seq), false);
    return kept;
  }

  private readSegment(file: string): SegmentSamples {
    return readSegmentFile(file);
  }

  /**
   * Seqs a damaged segment lost (missing between the samples read, and after the last one up to
   * the last seq the state recorded) are done, counted as dropped: acks can move past them.
   */
  private dropLost(seqs: number[][]): void {
    const lost: number[] = [];
    let expected: number | null = null;
    for (const run of seqs) {
      for (const seq of run) {
        if (expected !== null) for (let s = expected; s < seq; s++) lost.push(s);
        expected = seq + 1;
      }
    }
    if (expected !== null) for (let s = expected; s <= this.state.lastSeq; s++) lost.push(s);
    const unacked = lost.filter((seq) => !this.isAcked(seq));
    this.state.dropped += unacked.length;
    this.ack(unacked, false);
  }

  get dropped(): number {
    return this.state.dropped;
  }

  nextSeq(): number {
    return this.state.lastSeq + 1;
  }

  isAcked(seq: number): boolean {
    return seq <= this.state.floor || this.state.acked.some(([a, b]) => seq >= a && seq <= b);
  }

  /** Stores a sample (its text must be one line). */
  append(sample: BufferedSample, now: number): void {
    let current = this.segments.at(-1);
    if (!current || current.last - current.first + 1 >= SEGMENT_SAMPLES || this.fd === null) {
      if (this.fd !== null) closeSync(this.fd);
      const file = path.join(this.dir, `${sample.seq}.seg`);
      this.fd = openSync(file, 'a', 0o600);
      current = { first: sample.seq, last: sample.seq, lastTs: sample.ts, bytes: 0, file };
      this.segments.push(current);
      if (this.schemaText) current.bytes += writeSync(this.fd, `${SCHEMA_LINE}${this.schemaText}\n`);
    }
    const line = `${sample.seq} ${sample.ts} ${sample.text}\n`;
    writeSync(this.fd, line);
    current.last = sample.seq;
    current.lastTs = sample.ts;
    current.bytes += Buffer.byteLength(line);
    this.state.lastSeq = sample.seq;
    this.stateDirty = true;
    this.recent.set(sample.seq, sample);
    if (this.recent.size > MEMORY_SAMPLES) this.recent.delete(this.recent.keys().next().value!);
    this.enforceLimits(now);
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
    rmSync(oldest.file, { force: true });
    if (this.cached?.file === oldest.file) this.cached = null;
    this.state.floor = Math.max(this.state.floor, oldest.last);
    this.state.acked = this.state.acked.filter(([, b]) => b > this.state.floor);
    this.stateDirty = true;
  }

  /** Records acked seqs (any order) and deletes segments that hold nothing unacked any more. */
  ack(seqs: readonly number[], trim = true): void {
    for (const seq of seqs) {
      this.recent.delete(seq);
      if (this.isAcked(seq)) continue;
      const ranges = this.state.acked;
      ranges.push([seq, seq]);
      ranges.sort((x, y) => x[0] - y[0]);
      const merged: [number, number][] = [];
      for (const r of ranges) {
        const last = merged.at(-1);
        if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
        else merged.push([r[0], r[1]]);
      }
      // Ranges touching the floor raise it.
      while (merged.length > 0 && merged[0]![0] <= this.state.floor + 1) this.state.floor = Math.max(this.state.floor, merged.shift()![1]);
      this.state.acked = merged;
    }
    while (trim && this.segments.length > 0 && this.segments[0]!.last <= this.state.floor && (this.segments.length > 1 || this.fd === null)) this.removeOldest();
    this.stateDirty = true;
  }

  /** Unacked samples in seq order, oldest first, at most `limit`, after `afterSeq`. Reads the disk only for old ones. */
  unacked(afterSeq: number, limit: number): BufferedSample[] {
    const out: BufferedSample[] = [];
    for (const seg of this.segments) {
      if (seg.last <= afterSeq || seg.last <= this.state.floor) continue;
      const fromMemory = this.recent.has(Math.max(seg.first, afterSeq + 1));
      const samples = fromMemory
        ? Array.from({ length: seg.last - seg.first + 1 }, (_, i) => this.recent.get(seg.first + i)).filter((s): s is BufferedSample => s !== undefined)
        : this.readCached(seg);
      for (const s of samples) {
        if (s.seq <= afterSeq || this.isAcked(s.seq)) continue;
        out.push(s);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  private readCached(seg: Segment): BufferedSample[] {
    // The open segment still grows; only closed ones are cached.
    if (seg === this.segments.at(-1)) return this.readSegment(seg.file);
    if (this.cached?.file !== seg.file) this.cached = { file: seg.file, samples: this.readSegment(seg.file) };
    return this.cached.samples;
  }

  get unackedCount(): number {
    let n = 0;
    for (const seg of this.segments) for (let seq = Math.max(seg.first, this.state.floor + 1); seq <= seg.last; seq++) if (!this.isAcked(seq)) n++;
    return n;
  }

  /** Writes the ack state if it changed (call every few seconds and at exit). */
  persist(): void {
    if (!this.stateDirty) return;
    const file = path.join(this.dir, 'state.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    this.stateDirty = false;
  }

  close(): void {
    this.persist();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

