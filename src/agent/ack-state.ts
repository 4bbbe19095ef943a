/**
 * @module Which samples of the agent's buffer are done (acked by the server, or dropped): every
 * seq up to a floor, and sorted ranges above it. Kept in `state.json` beside the segments.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface AckState {
  /** Every seq up to this one is acked or dropped. */
  floor: number;
  /** Acked seqs above the floor, as inclusive [from, to] ranges, sorted. */
  acked: [number, number][];
  lastSeq: number;
  dropped: number;
}

export function isAcked(state: AckState, seq: number): boolean {
  return seq <= state.floor || state.acked.some(([a, b]) => seq >= a && seq <= b);
}

/** Adds `seq` (not acked yet) to the ranges, merging those that touch. */
export function addAcked(state: AckState, seq: number): void {
  const ranges = state.acked;
  ranges.push([seq, seq]);
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  // Ranges touching the floor raise it.
  while (merged.length > 0 && merged[0]![0] <= state.floor + 1) state.floor = Math.max(state.floor, merged.shift()![1]);
  state.acked = merged;
}

/** The state saved in `dir`, over a fresh one. */
export function readAckState(dir: string): AckState {
  const state: AckState = { floor: 0, acked: [], lastSeq: 0, dropped: 0 };
  try {
    return { ...state, ...(JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as AckState) };
  } catch {
    // No state yet (first start) or unreadable: segments still tell which samples exist.
    return state;
  }
}

/** Saves the state in `dir` through a rename; false if the directory cannot take it. */
export function writeAckState(dir: string, state: AckState): boolean {
  const file = path.join(dir, 'state.json');
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(state), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    return true;
  } catch {
    return false;
  }
}
