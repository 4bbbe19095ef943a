/**
 * @module Compact sample frames: `~seq,ts,v0,v1,…` (values aligned with hello's schema), each field
 * relative to the previous compact frame on the same connection. A field is a number; empty for
 * "the same as before"; `d<int>` for "before plus this" (integers only, so counters and timestamps
 * cost a few digits); `n` for absent. Sent only after the server's welcome says `compact: true`;
 * any frame the server cannot decode closes the connection, since both sides' state is then unknown.
 * Imports nothing.
 */

export const COMPACT_MARK = '~';

export type Fields = (number | null)[];

/** Encodes `fields` (seq, ts, then values) against `prev`, the fields of the previous compact frame (null for the first). */
export function encodeCompact(prev: Fields | null, fields: Fields): string {
  let out = COMPACT_MARK;
  for (let i = 0; i < fields.length; i++) {
    const v = fields[i]!;
    const p = prev ? prev[i] : undefined;
    let text: string;
    if (prev && v === p) text = '';
    else if (v === null) text = 'n';
    else {
      text = String(v);
      if (typeof p === 'number' && Number.isSafeInteger(v) && Number.isSafeInteger(p)) {
        const delta = `d${v - p}`;
        if (delta.length < text.length) text = delta;
      }
    }
    out += i === 0 ? text : `,${text}`;
  }
  return out;
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Decodes a compact frame into its fields (into `reuse` if given: any array but `prev`); throws an
 * Error with a readable message if it is not one.
 */
export function decodeCompact(prev: Fields | null, text: string, expected: number, reuse?: Fields): Fields {
  if (!text.startsWith(COMPACT_MARK)) throw new Error('a compact frame starts with "~"');
  const parts = text.slice(1).split(',');
  if (parts.length !== expected) throw new Error(`compact frame has ${parts.length} fields but seq, ts and hello's ${expected - 2} metrics make ${expected}`);
  const out: Fields = reuse && reuse !== prev && reuse.length === expected ? reuse : new Array(expected);
  for (let i = 0; i < expected; i++) {
    const part = parts[i]!;
    const before = prev ? prev[i] : undefined;
    if (part === '') {
      if (before === undefined) throw new Error(`field ${i} repeats a value, but there is no previous compact frame`);
      out[i] = before;
    } else if (part === 'n') {
      out[i] = null;
    } else if (part.charCodeAt(0) === 100 /* d */) {
      const delta = part.slice(1);
      if (typeof before !== 'number' || !Number.isSafeInteger(before) || !/^-?\d{1,16}$/.test(delta)) throw new Error(`field ${i}: "${part.slice(0, 20)}" is not a delta to an integer`);
      out[i] = before + Number(delta);
    } else {
      if (!NUMBER.test(part)) throw new Error(`field ${i}: "${part.slice(0, 20)}" is not a number`);
      out[i] = Number(part);
    }
  }
  return out;
}
