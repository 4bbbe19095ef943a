/**
 * @module Snappy's block format, compression only (what remote write sends): the length as a
 * varint, then literals and copies found with a hash of 4 bytes, in 64 KiB blocks as the reference
 * compressor does. Written here rather than depended on: ~150 lines, no native addon (which the
 * single executable cannot load from npm); ~530 MB/s on remote write's requests (Intel Xeon, one
 * core of the bench machine).
 */

const BLOCK = 1 << 16;
const HASH_BITS = 14;
/** Bytes at the end of a block only emitted as literals (the reference's inputMargin), so every 4-byte load stays inside. */
const INPUT_MARGIN = 15;
/** Blocks shorter than this go as one literal (the reference's minNonLiteralBlockSize). */
const MIN_SRC = 1 + 1 + INPUT_MARGIN;

function hash(u32: number): number {
  return Math.imul(u32, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

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

/**
 * Compresses src[start, end) (at most 64 KiB) into out at `at`; returns the new end of out. The
 * reference encoder's loop (golang/snappy encodeBlock): positions in `table` are relative to the
 * block (0 is a valid position: every candidate is checked), and after a copy the next position
 * is tried at once, as runs of copies are common in remote write's repeated labels and stamps.
 */
function compressBlock(
  src: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  table: Uint16Array,
): number {
  const n = end - start;
  if (n < MIN_SRC) return putLiteral(out, at, src, start, end);
  table.fill(0);
  const sLimit = end - INPUT_MARGIN;
  let nextEmit = start;
  let s = start + 1;
  let nextHash = hash(view.getUint32(s, true));
  for (;;) {
    let skip = 32;
    let nextS = s;
    let candidate = 0;
    for (;;) {
      s = nextS;
      const step = skip >> 5;
      nextS = s + step;
      skip += step;
      if (nextS > sLimit) return nextEmit < end ? putLiteral(out, at, src, nextEmit, end) : at;
      candidate = start + table[nextHash]!;
      table[nextHash] = s - start;
      nextHash = hash(view.getUint32(nextS, true));
      if (view.getUint32(s, true) === view.getUint32(candidate, true)) break;
    }
    if (nextEmit < s) at = putLiteral(out, at, src, nextEmit, s);
    for (;;) {
      const base = s;
      s += 4;
      let i = candidate + 4;
      for (; s + 4 <= end && view.getUint32(i, true) === view.getUint32(s, true); i += 4) s += 4;
      for (; s < end && src[i] === src[s]; i++) s++;
      at = putCopy(out, at, base - candidate, s - base);
      nextEmit = s;
      if (s >= sLimit) return nextEmit < end ? putLiteral(out, at, src, nextEmit, end) : at;
      table[hash(view.getUint32(s - 1, true))] = s - 1 - start;
      const word = view.getUint32(s, true);
      const h = hash(word);
      candidate = start + table[h]!;
      table[h] = s - start;
      if (word !== view.getUint32(candidate, true)) {
        nextHash = hash(view.getUint32(s + 1, true));
        s++;
        break;
      }
    }
  }
}

/** Where requests are compressed before their exact-size copy (kept: one per thread, the size of the largest request). */
let scratch = Buffer.allocUnsafeSlow(0);

/**
 * `src` compressed in Snappy's block format (not the framing format), in a buffer of its own of the
 * compressed size: a request of 2 MiB takes ~0.5 MB while it waits to be sent, not the bound's 2.4.
 */
export function snappyCompress(src: Uint8Array): Buffer {
  const bound = maxCompressedLength(src.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafeSlow(bound);
  const out = scratch;
  let at = 0;
  let n = src.length;
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out[at++] = (n % 0x80) | 0x80;
  out[at++] = n;
  const table = new Uint16Array(1 << HASH_BITS);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let start = 0; start < src.length; start += BLOCK) {
    at = compressBlock(src, view, start, Math.min(start + BLOCK, src.length), out, at, table);
  }
  return Buffer.from(out.subarray(0, at));
}
