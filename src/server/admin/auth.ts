/**
 * @module The admin's password and sessions: scrypt password hashes, a one-time setup token while
 * no password is set, session cookies (only their SHA-256 is stored) each with its CSRF token, and
 * sign-in limits per address, or per browser for one that signed in before (a device cookie):
 * a stranger's failures never lock the admin's browser out.
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../store/store';
import { ProbeError } from '../../util/errors';
import { PASSWORD_LIMITS, addressKey } from '../net/limits';
import { log } from '../../util/log';
import { HashSlots, PasswordGuard } from './password-guard';
import { SecondFactor } from './second-factor';
import type { Refusal } from './password-guard';
import { systemClock } from '../../util/clock';

const SCRYPT = { N: 32768, r: 8, p: 1, keylen: 32, maxmem: 64 * 1024 * 1024 };
export const MIN_PASSWORD_LENGTH = 10;
const PASSWORD_KEY = 'admin.password';
export const SESSION_COOKIE = 'probe_session';
/** Session lookups in a shared database at once (see AdminAuth.sessionOf). */
const SHARED_LOOKUPS_AT_ONCE = 8;
/** How long a session token found in no database is not looked up again. */
const MISSING_TOKEN_MS = 10_000;
export const SESSION_TTL_MS = 7 * 86_400_000;
/** Set at sign-in, sent back only to /api/admin/: this browser's sign-ins are limited on their own. */
export const DEVICE_COOKIE = 'probe_device';
const DEVICE_TTL_SEC = 365 * 86_400;
const DEVICE_SECRET_KEY = 'admin.deviceSecret';

function scryptAsync(password: string, salt: Buffer, n = SCRYPT.N, r = SCRYPT.r, p = SCRYPT.p): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT.keylen, { N: n, r, p, maxmem: SCRYPT.maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Throws PROBE_ERR_BAD_REQUEST if `password` cannot be a new password. */
export function checkNewPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new ProbeError('PROBE_ERR_BAD_REQUEST', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw new ProbeError('PROBE_ERR_BAD_REQUEST', 'the password must have at most 1024 characters');
}

/** `scrypt$N$r$p$salt$hash`, base64url. The hash names its cost, so a check needs no setting. */
export async function hashPassword(password: string, n = SCRYPT.N): Promise<string> {
  checkNewPassword(password);
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, n);
  return ['scrypt', n, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
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

/** `secondFactor`: the password was right, and a code is needed too. */
export type LoginResult =
  | { ok: true; token: string; csrf: string; device: string }
  | { ok: false; status: 401; message: string; secondFactor?: true }
  | Refusal;

export class AdminAuth {
  /** Set while no password exists and unused: printed once at start, lets the first visitor choose one. */
  private unusedSetupToken: string | null;
  private readonly guard: PasswordGuard;
  /** The password hash the guard's counts are about; another one (set-password) starts them afresh. */
  private countedFor: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = systemClock.now,
    private readonly ttlMs = SESSION_TTL_MS,
    /** scrypt slots, shared with the page password. */
    readonly slots = new HashSlots(),
    /** scrypt's cost for new passwords, admin and page alike (tests lower it: the limits do not depend on it). */
    readonly hashN = SCRYPT.N,
  ) {
    this.unusedSetupToken = this.hasPassword() ? null : randomBytes(18).toString('base64url');
    this.guard = new PasswordGuard(PASSWORD_LIMITS, slots, now);
    this.secondFactor = new SecondFactor(store, now);
  }

  /** The optional TOTP second factor, checked at sign-in after the password. */
  readonly secondFactor: SecondFactor;

  /** The setup token printed at start, until it was used. */
  get setupToken(): string | null {
    return this.unusedSetupToken;
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

  /** First password, with the setup token printed at start. The token is spent before anything is awaited. */
  async setup(token: string, password: string): Promise<LoginResult> {
    const expected = this.unusedSetupToken;
    const valid =
      expected !== null &&
      !this.hasPassword() &&
      token.length === expected.length &&
      timingSafeEqual(Buffer.from(token), Buffer.from(expected));
    if (!valid)
      return {
        ok: false,
        status: 401,
        message: 'the setup token is wrong or was already used: see the server log, or run `probe admin set-password`',
      };
    checkNewPassword(password);
    this.unusedSetupToken = null;
    let hash: string;
    try {
      hash = await hashPassword(password, this.hashN);
    } catch (err) {
      this.unusedSetupToken = expected;
      throw err;
    }
    setPasswordIn(this.store, hash, this.now());
    return { ok: true, ...this.newSession(), device: this.deviceToken(randomBytes(16).toString('base64url'), hash) };
  }

  private deviceToken(id: string, passwordHash: string): string {
    let secret = this.store.getSetting(DEVICE_SECRET_KEY);
    if (!secret) this.store.putSetting(DEVICE_SECRET_KEY, (secret = randomBytes(32).toString('base64url')));
    return `${id}.${createHmac('sha256', Buffer.from(secret, 'base64url')).update(`device:${id}:${passwordHash}`).digest('base64url')}`;
  }

  /** The id of a device cookie this server set since the password last changed, else null. */
  private knownDevice(cookieHeader: string | undefined, passwordHash: string): string | null {
    const given = parseCookies(cookieHeader)[DEVICE_COOKIE];
    const id = given?.split('.')[0];
    if (!given || !id || !/^[A-Za-z0-9_-]{22}$/.test(id)) return null;
    const expected = Buffer.from(this.deviceToken(id, passwordHash));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected) ? id : null;
  }

  /**
   * Checks the password, within the limits of the client: a browser that signed in before (its
   * device cookie) has limits of its own and goes first; anyone else is limited per address.
   */
  async login(password: string, address: string, cookieHeader?: string, code = ''): Promise<LoginResult> {
    const stored = this.store.getSetting(PASSWORD_KEY);
    if (!stored)
      return {
        ok: false,
        status: 401,
        message: 'no admin password is set: use the setup link from the server log, or `probe admin set-password`',
      };
    if (stored !== this.countedFor) {
      this.guard.reset();
      this.countedFor = stored;
    }
    const device = this.knownDevice(cookieHeader, stored);
    // With a second factor, a wrong or missing code counts as a failed sign-in like a wrong password.
    let codeNeeded = false;
    let recovery = false;
    const result = await this.guard.check(device ? `device:${device}` : addressKey(address), device !== null, 'password', async () => {
      if (!(await verifyPassword(password, stored))) return false;
      if (!this.secondFactor.enabled()) return true;
      if (code.trim() === '') return !(codeNeeded = true);
      const verified = this.secondFactor.verify(code);
      recovery = verified.recovery === true;
      return verified.ok;
    });
    if (!result.ok) {
      if (result.status !== 401) return result;
      if (codeNeeded)
        return { ok: false, status: 401, message: 'enter the code from your authenticator app (or a recovery code)', secondFactor: true };
      return { ok: false, status: 401, message: this.secondFactor.enabled() ? 'wrong password or code' : 'wrong password' };
    }
    if (recovery) log.warn('admin signed in with a recovery code', { left: this.secondFactor.recoveryLeft() });
    this.store.pruneSessions(this.now());
    return { ok: true, ...this.newSession(), device: this.deviceToken(device ?? randomBytes(16).toString('base64url'), stored) };
  }

  /** The session of a request's cookie header, if valid now. */
  session(cookieHeader: string | undefined): { tokenHash: string; csrf: string } | null {
    const token = parseCookies(cookieHeader)[SESSION_COOKIE];
    if (!token) return null;
    const session = this.store.getSession(sha256(token));
    if (!session || session.expiresAt <= this.now()) return null;
    return session;
  }

  /**
   * session(), and on a store shared by several servers, a cookie this server does not know is
   * looked up in the shared database first: behind a proxy that is not sticky, the request after
   * a sign-in can reach another server before the sign-in's notice did. At most
   * SHARED_LOOKUPS_AT_ONCE such lookups run at a time, and a token found nowhere is not looked up
   * again for MISSING_TOKEN_MS (a browser holding an old cookie would otherwise query per request).
   */
  async sessionOf(cookieHeader: string | undefined): Promise<{ tokenHash: string; csrf: string } | null> {
    const found = this.session(cookieHeader);
    if (found || !this.store.refreshSession) return found;
    const token = parseCookies(cookieHeader)[SESSION_COOKIE];
    if (!token || token.length > 64) return null;
    const tokenHash = sha256(token);
    const now = this.now();
    if ((this.missing.get(tokenHash) ?? 0) > now || this.lookups >= SHARED_LOOKUPS_AT_ONCE) return null;
    this.lookups++;
    try {
      await this.store.refreshSession(tokenHash);
    } catch (err) {
      log.warn('cannot look up a session in the shared database', { code: 'PROBE_ERR_POSTGRES', error: (err as Error).message });
    } finally {
      this.lookups--;
    }
    const session = this.session(cookieHeader);
    if (!session) {
      if (this.missing.size >= 1000) this.missing.clear();
      this.missing.set(tokenHash, now + MISSING_TOKEN_MS);
    }
    return session;
  }

  private lookups = 0;
  private readonly missing = new Map<string, number>();

  /** Whether the session is still there and unexpired (not signed out, no new password since). */
  sessionValid(tokenHash: string): boolean {
    const session = this.store.getSession(tokenHash);
    return session !== null && session.expiresAt > this.now();
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

export function deviceCookie(token: string, secure: boolean): string {
  return `${DEVICE_COOKIE}=${token}; Path=/api/admin/; HttpOnly; SameSite=Strict; Max-Age=${DEVICE_TTL_SEC}${secure ? '; Secure' : ''}`;
}
