/**
 * @module The admin's password and sessions: scrypt password hashes, a one-time setup token while
 * no password is set, session cookies (only their SHA-256 is stored) each with its CSRF token,
 * per-address login limits and an account lockout that doubles with every failure.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store';
import { ProbeError } from '../util/errors';
import { FailureTracker, PASSWORD_LIMITS } from './limits';

const SCRYPT = { N: 32768, r: 8, p: 1, keylen: 32, maxmem: 64 * 1024 * 1024 };
export const MIN_PASSWORD_LENGTH = 10;
const PASSWORD_KEY = 'admin.password';
export const SESSION_COOKIE = 'probe_session';
export const SESSION_TTL_MS = 7 * 86_400_000;
/** Failed logins before the account locks; each further one doubles the lock, up to 15 minutes. */
const LOCK_AFTER = 5;
const MAX_LOCK_MS = 15 * 60_000;

function scryptAsync(password: string, salt: Buffer, n = SCRYPT.N, r = SCRYPT.r, p = SCRYPT.p): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT.keylen, { N: n, r, p, maxmem: SCRYPT.maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, base64url. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new ProbeError('PROBE_ERR_BAD_REQUEST', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw new ProbeError('PROBE_ERR_BAD_REQUEST', 'the password must have at most 1024 characters');
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash || password.length > 1024) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

export function setPasswordIn(store: Store, hash: string, now: number): void {
  store.putSetting(PASSWORD_KEY, hash);
  store.pruneSessions(now, true);
}

export type LoginResult = { ok: true; token: string; csrf: string } | { ok: false; status: 401 | 429; retryAfterSec?: number; message: string };

export class AdminAuth {
  /** Set while no password exists: printed once at start, lets the first visitor choose one. */
  readonly setupToken: string | null;
  private readonly perAddress = new FailureTracker(PASSWORD_LIMITS);
  private failures = 0;
  private lockedUntil = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {
    this.setupToken = this.hasPassword() ? null : randomBytes(18).toString('base64url');
  }

  hasPassword(): boolean {
    return this.store.getSetting(PASSWORD_KEY) !== null;
  }

  private newSession(): { token: string; csrf: string } {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = this.now();
    this.store.putSession({ tokenHash: sha256(token), csrf, createdAt: now, expiresAt: now + this.ttlMs });
    return { token, csrf };
  }

  /** First password, with the setup token printed at start. */
  async setup(token: string, password: string): Promise<LoginResult> {
    const valid = this.setupToken !== null && !this.hasPassword() && token.length === this.setupToken.length && timingSafeEqual(Buffer.from(token), Buffer.from(this.setupToken));
    if (!valid) return { ok: false, status: 401, message: 'the setup token is wrong or was already used: see the server log, or run `probe admin set-password`' };
    setPasswordIn(this.store, await hashPassword(password), this.now());
    return { ok: true, ...this.newSession() };
  }

  async login(password: string, address: string): Promise<LoginResult> {
    const now = this.now();
    const blocked = this.perAddress.blockedFor(address, now);
    if (blocked > 0) return { ok: false, status: 429, retryAfterSec: Math.ceil(blocked / 1000), message: 'too many failed logins from this address: try again later' };
    if (now < this.lockedUntil) return { ok: false, status: 429, retryAfterSec: Math.ceil((this.lockedUntil - now) / 1000), message: 'the admin account is locked after failed logins: try again later' };
    const stored = this.store.getSetting(PASSWORD_KEY);
    if (stored && (await verifyPassword(password, stored))) {
      this.failures = 0;
      this.perAddress.succeed(address);
      this.store.pruneSessions(now);
      return { ok: true, ...this.newSession() };
    }
    this.perAddress.fail(address, now);
    this.failures++;
    if (this.failures >= LOCK_AFTER) this.lockedUntil = now + Math.min(MAX_LOCK_MS, 1000 * 2 ** (this.failures - LOCK_AFTER));
    return { ok: false, status: 401, message: stored ? 'wrong password' : 'no admin password is set: use the setup link from the server log, or `probe admin set-password`' };
  }

  /** The session of a request's cookie header, if valid now. */
  session(cookieHeader: string | undefined): { tokenHash: string; csrf: string } | null {
    const token = parseCookies(cookieHeader)[SESSION_COOKIE];
    if (!token) return null;
    const session = this.store.getSession(sha256(token));
    if (!session || session.expiresAt <= this.now()) return null;
    return session;
  }

  logout(tokenHash: string): void {
    this.store.deleteSession(tokenHash);
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

export function sessionCookie(token: string, secure: boolean, maxAgeSec: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure ? '; Secure' : ''}`;
}
