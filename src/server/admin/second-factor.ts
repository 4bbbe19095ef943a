/**
 * @module The admin's optional second factor: a TOTP secret (set up by confirming a first code)
 * and ten one-time recovery codes, stored as SHA-256 hashes (they are random, like node keys, so
 * a slow hash adds nothing). A code is accepted once: the last step used is kept, so a code seen
 * over a shoulder or replayed does not sign in again.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SettingsStore } from '../../store/store';
import { base32Decode, matchStep, newSecret, otpauthUri } from './totp';

const KEY = 'admin.totp';
const PENDING_KEY = 'admin.totpPending';
const RECOVERY_CODES = 10;

interface Stored {
  secret: string;
  /** The step of the last code accepted: that one and older are refused. */
  lastStep: number;
  recovery: string[];
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');
/** Recovery codes as typed: case, spaces and dashes do not matter. */
const normal = (code: string): string => code.toLowerCase().replace(/[\s-]/g, '');

function recoveryCode(): string {
  const text = randomBytes(8).toString('hex');
  return `${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8, 12)}-${text.slice(12)}`;
}

/** Removes the second factor (`probe admin set-password --reset-2fa`, for a lost phone). */
export function resetSecondFactor(store: SettingsStore): boolean {
  const had = store.getSetting(KEY) !== null;
  store.putSetting(KEY, null);
  store.putSetting(PENDING_KEY, null);
  return had;
}

export class SecondFactor {
  constructor(
    private readonly store: SettingsStore,
    private readonly now: () => number,
  ) {}

  private stored(): Stored | null {
    const text = this.store.getSetting(KEY);
    return text ? (JSON.parse(text) as Stored) : null;
  }

  enabled(): boolean {
    return this.stored() !== null;
  }

  recoveryLeft(): number {
    return this.stored()?.recovery.length ?? 0;
  }

  /** A new secret waiting for its first code (replacing one that waited). */
  begin(account: string): { secret: string; uri: string } {
    const secret = newSecret();
    this.store.putSetting(PENDING_KEY, secret);
    return { secret, uri: otpauthUri(secret, account, 'probe') };
  }

  /** Turns the waiting secret on if `code` is its current code; returns the recovery codes, shown once. */
  confirm(code: string): string[] | null {
    const secret = this.store.getSetting(PENDING_KEY);
    const step = secret === null ? null : matchStep(base32Decode(secret), code.trim(), this.now());
    if (secret === null || step === null) return null;
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    this.store.putSetting(KEY, JSON.stringify({ secret, lastStep: step, recovery: codes.map((c) => sha256(normal(c))) } satisfies Stored));
    this.store.putSetting(PENDING_KEY, null);
    return codes;
  }

  /** Whether `code` is a code of the authenticator not used before, or an unused recovery code (then spent). */
  verify(code: string): { ok: boolean; recovery?: boolean } {
    const stored = this.stored();
    if (!stored) return { ok: true };
    const step = matchStep(base32Decode(stored.secret), code.trim(), this.now());
    if (step !== null && step > stored.lastStep) {
      this.store.putSetting(KEY, JSON.stringify({ ...stored, lastStep: step }));
      return { ok: true };
    }
    const hash = sha256(normal(code));
    if (normal(code).length === 16 && stored.recovery.includes(hash)) {
      this.store.putSetting(KEY, JSON.stringify({ ...stored, recovery: stored.recovery.filter((h) => h !== hash) }));
      return { ok: true, recovery: true };
    }
    return { ok: false };
  }

  /** Removes the second factor, given a valid code. */
  disable(code: string): boolean {
    if (!this.verify(code).ok) return false;
    resetSecondFactor(this.store);
    return true;
  }
}
