/**
 * @module Who may see the status page: everyone (public), only a signed-in admin (private), or
 * whoever knows the page password (password). Set in the admin, kept in the database. A visitor
 * who typed the password gets a cookie holding its issue time and an HMAC of both that and the
 * password's hash, so it expires on the server's side too, and changing the password (or the
 * mode) signs every visitor out, without keeping a session per visitor. The form and HTTP Basic
 * meet the same per-address limits (password-guard.ts).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Store } from '../../store/store';
import { ProbeError } from '../../util/errors';
import type { AdminAuth } from './auth';
import { hashPassword, parseCookies, verifyPassword } from './auth';
import type { Audience } from '../fleet/hub';
import { PASSWORD_LIMITS, addressKey } from '../net/limits';
import { PasswordGuard } from './password-guard';
import type { Refusal } from './password-guard';
import { systemClock } from '../../util/clock';

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

export type UnlockResult = { ok: true; cookie: string } | { ok: false; status: 401; message: string } | Refusal;

/** What a request may see: everything (a signed-in admin), what guests see, nothing (null), or not now (too many wrong passwords). */
export type Viewer = Audience | null | Refusal;

export class PageAccess {
  /** Wrong passwords per address, through the form and HTTP Basic alike. */
  private readonly guard: PasswordGuard;
  /** SHA-256 of Basic credentials already verified against the current hash (scrapers send them every time). */
  private readonly basicOk = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly admin: AdminAuth,
    private readonly now: () => number = systemClock.now,
  ) {
    this.guard = new PasswordGuard(PASSWORD_LIMITS, admin.slots, now);
  }

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

  /** `<issued, Unix s>.<HMAC of issued and the password hash>`. */
  private viewToken(hash: string, issuedSec: number): string {
    return `${issuedSec}.${createHmac('sha256', this.secret()).update(`view:${issuedSec}:${hash}`).digest('base64url')}`;
  }

  /** Whether `token` is a view cookie for `hash` issued less than VIEW_TTL_SEC ago. */
  private viewTokenValid(token: string, hash: string): boolean {
    const issued = /^(\d{1,12})\./.exec(token)?.[1];
    if (!issued || this.now() / 1000 - Number(issued) > VIEW_TTL_SEC) return false;
    const expected = Buffer.from(this.viewToken(hash, Number(issued)));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Changes the mode; password mode needs a password (or keeps the one already set). */
  async set(mode: AccessMode, password: string | undefined): Promise<void> {
    if (!ACCESS_MODES.includes(mode)) throw new ProbeError('PROBE_ERR_BAD_REQUEST', `"mode" must be one of ${ACCESS_MODES.join(', ')}`);
    const current = this.stored();
    let hash: string | undefined;
    if (mode === 'password') {
      hash = password ? await hashPassword(password, this.admin.hashN) : current.hash;
      if (!hash) throw new ProbeError('PROBE_ERR_BAD_REQUEST', 'password mode needs a "password" for visitors');
    }
    this.basicOk.clear();
    if (hash !== current.hash) this.guard.reset();
    this.store.putSetting(ACCESS_KEY, JSON.stringify({ mode, hash } satisfies Stored));
  }

  /**
   * What a request from `address` may see. Password mode takes the visitor cookie, or HTTP Basic
   * credentials for scrapers (limited per address like the form; verified ones are remembered).
   */
  async audience(req: IncomingMessage, address: string): Promise<Viewer> {
    const cookies = req.headers.cookie;
    if (cookies && (await this.admin.sessionOf(cookies))) return 'admin';
    const { mode, hash } = this.stored();
    if (mode === 'public') return 'guest';
    if (mode === 'private' || !hash) return null;
    const view = parseCookies(cookies)[VIEW_COOKIE];
    if (view && this.viewTokenValid(view, hash)) return 'guest';
    const basic = /^Basic ([A-Za-z0-9+/=]{1,2048})$/.exec(req.headers.authorization ?? '');
    if (!basic) return null;
    const key = createHash('sha256').update(basic[1]!).digest('base64url');
    if (this.basicOk.get(key) === hash) return 'guest';
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    return this.guard
      .check(addressKey(address), false, 'page password', () => verifyPassword(password, hash))
      .then((result) => {
        if (!result.ok) return result.status === 429 ? result : null;
        if (this.basicOk.size >= 16) this.basicOk.clear();
        this.basicOk.set(key, hash);
        return 'guest';
      });
  }

  /** A visitor typed the page password: the cookie to set, or why not. */
  async unlock(password: string, address: string, secure: boolean): Promise<UnlockResult> {
    const { mode, hash } = this.stored();
    if (mode !== 'password' || !hash)
      return {
        ok: false,
        status: 401,
        message: mode === 'public' ? 'this page needs no password' : 'this page is private: sign in to the admin',
      };
    const result = await this.guard.check(addressKey(address), false, 'page password', () => verifyPassword(password, hash));
    if (!result.ok) return result.status === 429 ? result : { ok: false, status: 401, message: 'wrong password' };
    const cookie = this.viewToken(hash, Math.floor(this.now() / 1000));
    return {
      ok: true,
      cookie: `${VIEW_COOKIE}=${cookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${VIEW_TTL_SEC}${secure ? '; Secure' : ''}`,
    };
  }
}
