/**
 * @module The segment files of the agent's buffer, each a `#schema` line, then one sample per line as
 * `<seq> <ts> <JSON frame>`. Reading never trusts the file: a torn line (a crash mid-write, a
 * full disk) or garbage (a damaged disk, a person's editor) is skipped and counted, never sent.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SCHEMA_LINE = '#schema ';

/** A stored sample: its seq, when it was taken, and the JSON frame backfill sends. */
export interface StoredSample {
  seq: number;
  ts: number;
  text: string;
}

export interface SegmentContents {
  samples: StoredSample[];
  /** Lines that are not a whole sample, skipped. */
  garbled: number;
}

/** One line as a sample, or null if it is not a whole one (seqs must rise within a file). */
function parseLine(line: string, after: number): StoredSample | null {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a <= 0 || b < 0) return null;
  const seq = Number(line.slice(0, a));
  const ts = Number(line.slice(a + 1, b));
  const text = line.slice(b + 1);
  if (!Number.isSafeInteger(seq) || seq <= after || !Number.isSafeInteger(ts) || ts < 0) return null;
  try {
    const msg = JSON.parse(text) as unknown;
    if (typeof msg !== 'object' || msg === null || (msg as { seq?: unknown }).seq !== seq) return null;
  } catch {
    return null;
  }
  return { seq, ts, text };
}

/** Reads a segment: the whole samples in it, and how many lines were not. */
export function readSegmentFile(file: string): SegmentContents {
  const samples: StoredSample[] = [];
  let garbled = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line, samples.at(-1)?.seq ?? 0);
    if (sample) samples.push(sample);
    else garbled++;
  }
  return { samples, garbled };
}

/** The schema line's JSON, or null for a segment without one. */
export function segmentSchema(file: string): string | null {
  const head = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  return head.startsWith(SCHEMA_LINE) ? head.slice(SCHEMA_LINE.length) : null;
}

/** Replaces a segment's contents through a rename, so a crash leaves the old or the new one. */
export function writeSegmentFile(file: string, schemaText: string | null, samples: readonly StoredSample[]): void {
  const body = samples.map((s) => `${s.seq} ${s.ts} ${s.text}\n`).join('');
  writeFileSync(`${file}.tmp`, `${schemaText === null ? '' : `${SCHEMA_LINE}${schemaText}\n`}${body}`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/**
 * A segment's samples under another schema: array-form values by name in the object form. A
 * segment from before schemas were recorded (`oldSchemaText` null) can only be read if its arrays
 * fit the current schema; samples no schema fits are left out.
 */
export function toObjectForm(lines: readonly StoredSample[], oldSchemaText: string | null, schema: readonly string[]): StoredSample[] {
  const names = oldSchemaText === null ? null : (JSON.parse(oldSchemaText) as string[]);
  const kept: StoredSample[] = [];
  for (const sample of lines) {
    const msg = JSON.parse(sample.text) as { values: unknown; [k: string]: unknown };
    if (!Array.isArray(msg.values)) {
      kept.push(sample);
      continue;
    }
    const fit = names ?? (msg.values.length === schema.length ? schema : null);
    if (!fit || fit.length !== msg.values.length) continue;
    const values: Record<string, number> = {};
    msg.values.forEach((v, i) => v !== null && (values[fit[i]!] = v as number));
    kept.push({ ...sample, text: JSON.stringify({ ...msg, values }) });
  }
  return kept;
}

/** A segment file as the buffer indexes it: its first and last seq, newest timestamp and size. */
export interface SegmentSpan {
  first: number;
  last: number;
  lastTs: number;
  bytes: number;
  file: string;
}

/**
 * The segment files in `dir`, oldest first, the seqs they hold and how many damaged lines were
 * skipped. Segments written under another schema than `schema` (given as `schemaText` too) are
 * rewritten in the object form, damaged ones without their bad lines; emptied ones are removed.
 */
export function loadSegments(
  dir: string,
  schemaText: string | null,
  schema: readonly string[] | null,
): { segments: SegmentSpan[]; present: Set<number>; garbled: number } {
  const segments: SegmentSpan[] = [];
  const present = new Set<number>();
  let garbled = 0;
  for (const name of readdirSync(dir)
    .filter((n) => /^\d+\.seg$/.test(n))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))) {
    const file = path.join(dir, name);
    const contents = readSegmentFile(file);
    let lines: StoredSample[] = contents.samples;
    garbled += contents.garbled;
    const fileSchema = segmentSchema(file);
    // Samples of another schema are rewritten by name; those that cannot be are missing below.
    if (schemaText && lines.length > 0 && fileSchema !== schemaText) lines = toObjectForm(lines, fileSchema, schema!);
    if ((schemaText && fileSchema !== schemaText) || contents.garbled > 0) writeSegmentFile(file, schemaText ?? fileSchema, lines);
    if (lines.length === 0) {
      rmSync(file, { force: true });
      continue;
    }
    for (const s of lines) present.add(s.seq);
    segments.push({ first: lines[0]!.seq, last: lines.at(-1)!.seq, lastTs: lines.at(-1)!.ts, bytes: statSync(file).size, file });
  }
  return { segments, present, garbled };
}
