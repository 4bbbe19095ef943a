/**
 * @module TOTP (RFC 6238) on node:crypto: HOTP's dynamic truncation (RFC 4226) over the count of
 * 30-second steps, base32 secrets (RFC 4648) and the otpauth:// URI authenticator apps scan.
 * About 40 lines, so no dependency; tested against the RFC's vectors.
 */
import { createHmac, randomBytes } from 'node:crypto';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';
export const STEP_MS = 30_000;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) out += BASE32[(value >>> (bits -= 5)) & 31];
  }
  return bits > 0 ? out + BASE32[(value << (5 - bits)) & 31] : out;
}

export function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of text.toUpperCase().replace(/[\s=-]/g, '')) {
    const v = BASE32.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(c)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) out.push((value >>> (bits -= 8)) & 255);
  }
  return Buffer.from(out);
}

/** RFC 4226: the `digits`-digit code for `counter`. */
export function hotp(secret: Buffer, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const at = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(at) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The 30-second step `ts` (Unix ms) falls in. */
export const stepAt = (ts: number): number => Math.floor(ts / STEP_MS);

/** RFC 6238: the code at `ts`. */
export function totp(secret: Buffer, ts: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  return hotp(secret, stepAt(ts), digits, algorithm);
}

/** The step within one step either side of `ts` whose code `code` is (clocks drift; codes are typed late), or null. */
export function matchStep(secret: Buffer, code: string, ts: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const now = stepAt(ts);
  for (const step of [now, now - 1, now + 1]) if (hotp(secret, step) === code) return step;
  return null;
}

export function newSecret(): string {
  return base32Encode(randomBytes(20));
}

/** What an authenticator app scans (as a QR code) or is given by hand. */
export function otpauthUri(secret: string, account: string, issuer: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
