/**
 * @module Snappy's block format, compression only (what remote write sends): the length as a
 * varint, then literals and copies found with a hash of 4 bytes, in 64 KiB blocks as the reference
 * compressor does. Written here rather than depended on: ~100 lines, no native addon (which the
 * single executable cannot load from npm), and it writes into one buffer without copies.
 */

const BLOCK = 1 << 16;
const HASH_BITS = 14;
const MIN_MATCH = 4;

function hash(u32: number): number {
  return Math.imul(u32, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

const load32 = (src: Uint8Array, i: number): number => (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;

/** The most a compressed form of `n` bytes takes (the reference's bound). */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.ceil(n / 6);
}

function putLiteral(out: Uint8Array, at: number, src: Uint8Array, from: number, to: number): number {
  const n = to - from - 1;
  if (n < 60) out[at++] = n << 2;
  else if (n < 0x100) {
    out[at++] = 60 << 2;
    out[at++] = n;
  } else if (n < 0x10000) {
    out[at++] = 61 << 2;
    out[at++] = n & 0xff;
    out[at++] = n >>> 8;
  } else {
    out[at++] = 62 << 2;
    out[at++] = n & 0xff;
    out[at++] = (n >>> 8) & 0xff;
    out[at++] = n >>> 16;
  }
  // Most literals here are a few bytes (a sample's value): a loop, not a subarray object each.
  if (to - from <= 32) for (let i = from; i < to; i++) out[at++] = src[i]!;
  else {
    out.set(src.subarray(from, to), at);
    at += to - from;
  }
  return at;
}

function putCopyUpTo64(out: Uint8Array, at: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    out[at++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1;
    out[at++] = offset & 0xff;
  } else {
    out[at++] = ((length - 1) << 2) | 2;
    out[at++] = offset & 0xff;
    out[at++] = offset >>> 8;
  }
  return at;
}

function putCopy(out: Uint8Array, at: number, offset: number, length: number): number {
  while (length >= 68) {
    at = putCopyUpTo64(out, at, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    at = putCopyUpTo64(out, at, offset, 60);
    length -= 60;
  }
  return putCopyUpTo64(out, at, offset, length);
}

/** Compresses src[start, end) (at most 64 KiB) into out at `at`; returns the new end of out. */
function compressBlock(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number, table: Int32Array): number {
  table.fill(-1);
  let literalFrom = start;
  let i = start;
  const last = end - MIN_MATCH;
  let skip = 32;
  while (i <= last) {
    const word = load32(src, i);
    const h = hash(word);
    const candidate = table[h]!;
    table[h] = i;
    if (candidate < 0 || load32(src, candidate) !== word) {
      i += skip++ >> 5;
      continue;
    }
    skip = 32;
    if (literalFrom < i) at = putLiteral(out, at, src, literalFrom, i);
    let length = MIN_MATCH;
    while (i + length + 4 <= end && load32(src, candidate + length) === load32(src, i + length)) length += 4;
    while (i + length < end && src[candidate + length] === src[i + length]) length++;
    at = putCopy(out, at, i - candidate, length);
    i += length;
    literalFrom = i;
    if (i - 1 <= last) table[hash(load32(src, i - 1))] = i - 1;
  }
  if (literalFrom < end) at = putLiteral(out, at, src, literalFrom, end);
  return at;
}

/** `src` compressed in Snappy's block format (not the framing format). */
export function snappyCompress(src: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(maxCompressedLength(src.length));
  let at = 0;
  let n = src.length;
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out[at++] = (n % 0x80) | 0x80;
  out[at++] = n;
  const table = new Int32Array(1 << HASH_BITS);
  for (let start = 0; start < src.length; start += BLOCK) {
    at = compressBlock(src, start, Math.min(start + BLOCK, src.length), out, at, table);
  }
  return out.subarray(0, at);
}
