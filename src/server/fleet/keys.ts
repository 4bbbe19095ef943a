/**
 * @module Node keys: 256 random bits, shown once, stored only as a SHA-256 hash. A fast hash is
 * enough because the keys are random, not chosen by people; lookups compare in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'pk_';

export function generateKey(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function keyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashKey(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The key from an `Authorization: Bearer <key>` header, or null. */
export function bearerKey(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S{1,256})\s*$/i.exec(header);
  return match ? match[1]! : null;
}
