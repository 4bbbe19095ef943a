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

/**
 * Fields as the decoder gives them: NaN where a value is absent ("n"), so the array holds only
 * doubles (stored unboxed; a null among them would box every number in its own heap object).
 */
export type DecodedFields = number[];

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
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/**
 * Puts the number `text` spells in [start, end) into `out[at]`; false if it is not one. Plain
 * decimals of up to 15 digits are read digit by digit: M / 10^k with M and 10^k exact is the
 * correctly rounded value, the same double Number() gives, without cutting the frame into strings
 * first. Anything else (exponents, longer numbers) goes through Number(). It stores rather than
 * returns: a double returned from a call is boxed in a heap object of its own (with the reads of
 * prev[i] in decodeCompact, ~300 bytes a frame of the bench's 39 values).
 */
function readNumberInto(text: string, start: number, end: number, out: DecodedFields, at: number): boolean {
  let i = start;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
    } else if (c === DOT && fraction < 0) {
      fraction = digits;
    } else {
      break;
    }
  }
  if (i === end && digits > 0 && digits <= 15) {
    const v = fraction < 0 ? mantissa : mantissa / POWERS_OF_TEN[digits - fraction]!;
    out[at] = negative ? -v : v;
    return true;
  }
  const part = text.slice(start, end);
  if (!NUMBER.test(part)) return false;
  out[at] = Number(part);
  return true;
}

/** The integer `text` spells in [start, end) (an optional minus, 1 to 16 digits), or NaN. */
function readInteger(text: string, start: number, end: number): number {
  let i = start;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  if (end - i < 1 || end - i > 16) return NaN;
  // Sixteen digits can pass 2^53, where adding digit by digit could round differently from Number().
  if (end - i === 16) return /^\d+$/.test(text.slice(i, end)) ? (negative ? -1 : 1) * Number(text.slice(i, end)) : NaN;
  let n = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return NaN;
    n = n * 10 + (c - ZERO);
  }
  return negative ? -n : n;
}

/**
 * Decodes a compact frame into its fields, NaN for absent (into `reuse` if given: any array but
 * `prev`); throws an Error with a readable message if it is not one.
 */
export function decodeCompact(prev: DecodedFields | null, text: string, expected: number, reuse?: DecodedFields): DecodedFields {
  if (!text.startsWith(COMPACT_MARK)) throw new Error('a compact frame starts with "~"');
  let fields = 1;
  for (let at = text.indexOf(','); at >= 0; at = text.indexOf(',', at + 1)) fields++;
  if (fields !== expected)
    throw new Error(`compact frame has ${fields} fields but seq, ts and hello's ${expected - 2} metrics make ${expected}`);
  const out: DecodedFields = reuse && reuse !== prev && reuse.length === expected ? reuse : new Array<number>(expected).fill(NaN);
  let start = 1;
  for (let i = 0; i < expected; i++) {
    let end = text.indexOf(',', start);
    if (end < 0) end = text.length;
    // prev[i] is read where it is used: one variable holding it or undefined would box each double in it.
    const hasBefore = prev !== null && i < prev.length;
    const first = text.charCodeAt(start);
    if (end === start) {
      if (!hasBefore) throw new Error(`field ${i} repeats a value, but there is no previous compact frame`);
      out[i] = prev[i]!;
    } else if (first === 110 /* n */ && end === start + 1) {
      out[i] = NaN;
    } else if (first === 100 /* d */) {
      const delta = readInteger(text, start + 1, end);
      if (!hasBefore || !Number.isSafeInteger(prev[i]) || Number.isNaN(delta))
        throw new Error(`field ${i}: "${text.slice(start, Math.min(end, start + 20))}" is not a delta to an integer`);
      out[i] = prev[i]! + delta;
    } else if (!readNumberInto(text, start, end, out, i)) {
      throw new Error(`field ${i}: "${text.slice(start, Math.min(end, start + 20))}" is not a number`);
    }
    start = end + 1;
  }
  return out;
}
