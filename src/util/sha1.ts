/**
 * @module SHA-1 (RFC 3174) of a short input, for the one place the agent needs it: checking the
 * server's Sec-WebSocket-Accept header. node:crypto would do it, but an agent over ws:// uses
 * crypto for nothing else, and loading it put ~1.3 MB on the agent's RSS (Node 22).
 */

const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];

/** The 20-byte SHA-1 digest of `data`. */
export function sha1(data: Uint8Array): Buffer {
  const bits = data.length * 8;
  // The message, a 1 bit, zeros, and its length in bits as 64 bits: a whole number of 64-byte blocks.
  const padded = Buffer.alloc(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  padded.writeUInt32BE(Math.floor(bits / 2 ** 32), padded.length - 8);
  padded.writeUInt32BE(bits >>> 0, padded.length - 4);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Int32Array(80);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = padded.readInt32BE(block + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let [a, b, c, d, e] = h as [number, number, number, number, number];
    for (let i = 0; i < 80; i++) {
      const round = (i / 20) | 0;
      const f = round === 0 ? (b & c) | (~b & d) : round === 2 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const t = (((a << 5) | (a >>> 27)) + f + e + K[round]! + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
  }
  const digest = Buffer.alloc(20);
  h.forEach((word, i) => digest.writeInt32BE(word, i * 4));
  return digest;
}
