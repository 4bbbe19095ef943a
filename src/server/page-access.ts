/**
 * @module Who may see the status page: everyone (public), only a signed-in admin (private), or
 * whoever knows the page password (password). Set in the admin, kept in the database. A visitor
 * who typed the password gets a cookie holding an HMAC of the password's hash, so changing the
 * password (or the mode) signs every visitor out without keeping a session per visitor.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Store } from '../store/store';
import { ProbeError } from '../util/errors';
import type { AdminAuth } from './auth';
import { hashPassword, parseCookies, verifyPassword } from './auth';
import type { Audience } from './hub';
import { FailureTracker, PASSWORD_LIMITS } from './limits';

export type AccessMode = 'public' | 'private' | 'password';
export const ACCESS_MODES: readonly AccessMode[] = ['public', 'private', 'password'];

const ACCESS_KEY = 'page.access';
const SECRET_KEY = 'page.secret';
export const VIEW_COOKIE = 'probe_view';
const VIEW_TTL_SEC = 30 * 86_400;

interface Stored {
  mode: AccessMode;
  /** scrypt hash of the page password, in password mode. */
  hash?: string;
}

export type UnlockResult = { ok: true; cookie: string } | { ok: false; status: 401 | 429; retryAfterSec?: number; message: string };

export class PageAccess {
  private readonly perAddress = new FailureTracker(PASSWORD_LIMITS);
  /** SHA-256 of Basic credentials already verified against the current hash (scrapers send them every time). */
  private readonly basicOk = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly admin: AdminAuth,
    private readonly now: () => number = Date.now,
  ) {}

  private stored(): Stored {
    const text = this.store.getSetting(ACCESS_KEY);
    return text ? (JSON.parse(text) as Stored) : { mode: 'public' };
  }

  mode(): AccessMode {
    return this.stored().mode;
  }

  private secret(): Buffer {
    let secret = this.store.getSetting(SECRET_KEY);
    if (!secret) this.store.putSetting(SECRET_KEY, (secret = randomBytes(32).toString('base64url')));
    return Buffer.from(secret, 'base64url');
  }

  private viewToken(hash: string): string {
    return createHmac('sha256', this.secret()).update(`view:${hash}`).digest('base64url');
  }

  /** Changes the mode; password mode needs a password (or keeps the one already set). */
  async set(mode: AccessMode, password: string | undefined): Promise<void> {
    if (!ACCESS_MODES.includes(mode)) throw new ProbeError('PROBE_ERR_BAD_REQUEST', `"mode" must be one of ${ACCESS_MODES.join(', ')}`);
    const current = this.stored();
    let hash: string | undefined;
    if (mode === 'password') {
      hash = password ? await hashPassword(password) : current.hash;
      if (!hash) throw new ProbeError('PROBE_ERR_BAD_REQUEST', 'password mode needs a "password" for visitors');
    }
    this.basicOk.clear();
    this.store.putSetting(ACCESS_KEY, JSON.stringify({ mode, hash } satisfies Stored));
  }

  /**
   * What a request may see: everything (a signed-in admin), what guests see, or nothing (null).
   * Password mode takes the visitor cookie, or HTTP Basic credentials for scrapers.
   */
  async audience(req: IncomingMessage): Promise<Audience | null> {
    const cookies = req.headers.cookie;
    if (cookies && this.admin.session(cookies)) return 'admin';
    const { mode, hash } = this.stored();
    if (mode === 'public') return 'guest';
    if (mode === 'private' || !hash) return null;
    const view = parseCookies(cookies)[VIEW_COOKIE];
    if (view) {
      const expected = Buffer.from(this.viewToken(hash));
      const given = Buffer.from(view);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return 'guest';
    }
    const basic = /^Basic ([A-Za-z0-9+/=]{1,2048})$/.exec(req.headers.authorization ?? '');
    if (basic) {
      const key = createHash('sha256').update(basic[1]!).digest('base64url');
      if (this.basicOk.get(key) === hash) return 'guest';
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      if (await verifyPassword(password, hash)) {
        if (this.basicOk.size >= 16) this.basicOk.clear();
        this.basicOk.set(key, hash);
        return 'guest';
      }
    }
    return null;
  }

  /** A visitor typed the page password: the cookie to set, or why not. */
  async unlock(password: string, address: string, secure: boolean): Promise<UnlockResult> {
    const now = this.now();
    const blocked = this.perAddress.blockedFor(address, now);
    if (blocked > 0) return { ok: false, status: 429, retryAfterSec: Math.ceil(blocked / 1000), message: 'too many wrong passwords from this address: try again later' };
    const { mode, hash } = this.stored();
    if (mode !== 'password' || !hash) return { ok: false, status: 401, message: mode === 'public' ? 'this page needs no password' : 'this page is private: sign in to the admin' };
    if (!(await verifyPassword(password, hash))) {
      this.perAddress.fail(address, now);
      return { ok: false, status: 401, message: 'wrong password' };
    }
    this.perAddress.succeed(address);
    return { ok: true, cookie: `${VIEW_COOKIE}=${this.viewToken(hash)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${VIEW_TTL_SEC}${secure ? '; Secure' : ''}` };
  }
}
