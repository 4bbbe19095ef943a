/**
 * @module What every check shares: the result a run reports, the shape each check type's file
 * exports (`parse` one config entry, `run` it once), and the fields common to all types.
 */
import net from 'node:net';
import type { Clock } from '../util/clock';
import { configFields as f } from '../util/fields';

export const CHECK_TYPES = ['http', 'https', 'tcp', 'icmp', 'dns'] as const;
export type CheckTypeName = (typeof CHECK_TYPES)[number];

/** The certificate an https check was served, read even when it does not verify. */
export interface CertInfo {
  /** Unix ms of the certificate's notAfter. */
  expiresAt: number;
  /** The issuer's distinguished name as "C=US, O=Let's Encrypt, CN=R11". */
  issuer: string;
  /** The chain verifies against the system's CAs and the certificate is for the host. */
  verified: boolean;
}

export interface CheckResult {
  /** Unix ms when the run started. */
  ts: number;
  up: boolean;
  /** How long the answer took; null when there was none. */
  latencyMs: number | null;
  /** Why the check is down, in words a person can act on. */
  error?: string;
  /** https checks: the certificate, also when the check is down because of it. */
  cert?: CertInfo;
}

export interface CheckBase {
  /** Unique among the checks; the key of its history. */
  name: string;
  type: CheckTypeName;
  intervalMs: number;
  timeoutMs: number;
  group?: string;
  /** Shown to signed-in users only. */
  hidden: boolean;
}

/** What each file of src/checks/ exports for its type(s). */
export interface CheckType<C extends CheckBase> {
  /** One entry of the `checks` list, `key` as "checks[2]"; throws PROBE_ERR_CONFIG naming the key. */
  parse(raw: unknown, key: string): C;
  /** Runs the check once; never rejects, a failure is a result with `up: false`. */
  run(check: C, signal: AbortSignal, clock?: Clock): Promise<CheckResult>;
}

const COMMON_KEYS = ['name', 'type', 'interval', 'timeout', 'group', 'hidden'];
export const MIN_INTERVAL_MS = 5000;
const MAX_INTERVAL_MS = 86_400_000;
const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const MIN_TIMEOUT_MS = 100;

/** "10s", "1.5s" or "500ms", as durations are written in the config file. */
export function showMs(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The common fields of one entry, after refusing keys outside the common ones and `keys`.
 * Returns the entry as an object too, for the type's own fields.
 */
export function parseBase<T extends CheckTypeName>(
  raw: unknown,
  key: string,
  types: readonly T[],
  keys: readonly string[],
): { entry: Record<string, unknown>; base: CheckBase & { type: T } } {
  const entry = f.object(raw, key);
  const type = f.oneOf(entry.type, `${key}.type`, types);
  f.knownKeys(entry, key, [...COMMON_KEYS, ...keys]);
  const name = f.text(entry.name, `${key}.name`, 100, 1);
  if (/[\p{Cc}]/u.test(name) || name.trim() !== name)
    throw f.bad(`${key}.name`, 'must not start or end with spaces or hold control characters');
  const intervalMs = f.duration(entry.interval, `${key}.interval`, DEFAULT_INTERVAL_MS);
  if (intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS)
    throw f.bad(`${key}.interval`, `must be from ${showMs(MIN_INTERVAL_MS)} to 1d, got ${JSON.stringify(entry.interval)}`);
  const timeoutMs = f.duration(entry.timeout, `${key}.timeout`, Math.min(DEFAULT_TIMEOUT_MS, intervalMs));
  if (timeoutMs < MIN_TIMEOUT_MS || timeoutMs > intervalMs)
    throw f.bad(
      `${key}.timeout`,
      `must be from ${MIN_TIMEOUT_MS}ms to the interval (${showMs(intervalMs)}), got ${JSON.stringify(entry.timeout)}`,
    );
  const group = f.optionalText(entry.group, `${key}.group`, 100);
  const hidden = f.bool(entry.hidden, `${key}.hidden`, false);
  return { entry, base: { name, type, intervalMs, timeoutMs, ...(group !== undefined && { group }), hidden } };
}

/**
 * A host name or IP address. A leading "-" is refused so that a host can never be read as an
 * option by `ping`.
 */
export function parseHost(value: unknown, key: string): string {
  const host = f.text(value, key, 253, 1);
  if (net.isIP(host) !== 0) return host;
  if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(host) || host.includes('..'))
    throw f.bad(key, `must be a host name or an IP address, got ${JSON.stringify(host)}`);
  return host;
}

/** "host:port", "1.2.3.4:port" or "[::1]:port". */
export function parseHostPort(value: unknown, key: string): { host: string; port: number } {
  const text = f.text(value, key, 300, 1);
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535)
    throw f.bad(key, `must be "host:port" (an IPv6 address in brackets: "[::1]:443"), got ${JSON.stringify(text)}`);
  const host = match[1]!;
  if (text.startsWith('[') && net.isIPv6(host) === false)
    throw f.bad(key, `must hold an IPv6 address in brackets, got ${JSON.stringify(text)}`);
  return { host: parseHost(host, key), port };
}

/** A run's time limit: the caller's signal (the runner stopping) or the check's timeout, whichever comes first. */
export interface Deadline {
  signal: AbortSignal;
  /** The error text for a failure: the deadline's own reason if it was passed. */
  describe(err: unknown): string;
  /** Cancels the timer; call when the run is over. */
  done(): void;
}

export function deadline(outer: AbortSignal, timeoutMs: number, clock: Clock): Deadline {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('stopped'));
  if (outer.aborted) stop();
  else outer.addEventListener('abort', stop, { once: true });
  const timer = clock.after(timeoutMs, () => controller.abort(new Error(`timed out after ${showMs(timeoutMs)}`))).unref();
  return {
    signal: controller.signal,
    describe(err) {
      if (controller.signal.aborted) return (controller.signal.reason as Error).message;
      return err instanceof Error ? err.message : String(err);
    },
    done() {
      timer.cancel();
      outer.removeEventListener('abort', stop);
    },
  };
}

/** Rejects as soon as `signal` aborts, so a promise that cannot be cancelled (a DNS lookup) does not hold the run. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** Milliseconds since `start` (a `performance.now()`), to a hundredth. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
