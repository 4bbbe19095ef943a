/**
 * @module The lines of one agent buffer segment, `seq ts {json}` each, read defensively: a garbled
 * or truncated file (a disk error, a crash mid-write) loses only the lines it damaged.
 */
import { readFileSync } from 'node:fs';

/** One stored sample: its seq, its time and its JSON frame. */
export interface SegmentLine {
  seq: number;
  ts: number;
  text: string;
}

/** A segment's samples, seqs rising; `skipped` counts the lines that did not read as one. */
export type SegmentSamples = SegmentLine[] & { skipped?: number };

export function readSegmentFile(file: string): SegmentSamples {
  const out: SegmentSamples = [];
  let skipped = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample && (out.length === 0 || sample.seq > out.at(-1)!.seq)) out.push(sample);
    else skipped++;
  }
  out.skipped = skipped;
  return out;
}

/** One `seq ts {json}` line, or null if it does not read as one. */
function parseLine(line: string): SegmentLine | null {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a < 0 || b < 0) return null;
  const seq = Number(line.slice(0, a));
  const ts = Number(line.slice(a + 1, b));
  const text = line.slice(b + 1);
  if (!Number.isSafeInteger(seq) || seq < 0 || !Number.isSafeInteger(ts) || ts < 0) return null;
  try {
    const msg = JSON.parse(text) as unknown;
    if (typeof msg !== 'object' || msg === null || (msg as { seq?: unknown }).seq !== seq) return null;
  } catch {
    return null;
  }
  return { seq, ts, text };
}
