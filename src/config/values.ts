/**
 * @module Parsers of one setting's raw value (file, environment or flag) into its typed form; each
 * bad value is a ProbeError PROBE_ERR_CONFIG naming the key and where it came from.
 */
import { isIP } from 'node:net';
import { ProbeError } from '../util/errors';
import { parseDuration } from '../util/duration';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from './schema';

export function configError(source: string, key: string, problem: string): ProbeError {
  return new ProbeError('PROBE_ERR_CONFIG', `${source}: "${key}" ${problem}`);
}

export function asString(value: unknown, source: string, key: string): string {
  if (typeof value !== 'string') throw configError(source, key, `must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** A PostgreSQL connection string (postgres://user:password@host:port/db), or '' for none; never echoed (it may hold a password). */
export function asPostgresUrl(value: unknown, source: string, key: string): string {
  const text = asString(value, source, key).trim();
  if (text === '') return '';
  let ok = false;
  try {
    const url = new URL(text);
    ok = (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {}
  if (!ok) throw configError(source, key, 'must be a PostgreSQL URL such as postgres://probe:PASSWORD@db.example:5432/probe');
  return text;
}

/** A list of strings: a JSON array, or a comma-separated string (environment). */
export function asList(value: unknown, source: string, key: string): string[] {
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(value) && value.length <= 100 && value.every((v) => typeof v === 'string')) return value as string[];
  throw configError(source, key, `must be a list of strings (or one string, comma-separated), got ${JSON.stringify(value)}`);
}

/** A host name or an IP address, without scheme or port. */
export function asHostName(value: string, source: string, key: string): string {
  const host = value
    .trim()
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  if (isIP(host) === 0 && !/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
    throw configError(
      source,
      key,
      `must list host names or addresses without scheme or port, such as status.example.com; got ${JSON.stringify(value)}`,
    );
  }
  return host;
}

export function asBoolean(value: unknown, source: string, key: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  throw configError(source, key, `must be true or false, got ${JSON.stringify(value)}`);
}

export function asInterval(value: unknown, source: string, key: string): number {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw configError(source, key, `must be a duration from 1s to 1h such as "1s" or "30s", got ${JSON.stringify(value)}`);
  }
  return ms;
}

export function asAckInterval(value: unknown, source: string, key: string): number | 'auto' {
  if (value === 'auto') return value;
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || ms < 1000 || ms > 30_000)
    throw configError(source, key, `must be "auto" or a duration from 1s to 30s such as "5s", got ${JSON.stringify(value)}`);
  return ms;
}

export function asRetention(value: unknown, source: string, key: string): number {
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || ms < 60_000 || ms > 10 * 366 * 86_400_000) {
    throw configError(source, key, `must be a duration from 1m to 10 years such as "24h" or "400d", got ${JSON.stringify(value)}`);
  }
  return ms;
}

export function asListen(value: unknown, source: string, key: string): string {
  const text = asString(value, source, key);
  const match = /^(.*):(\d+)$/.exec(text);
  if (!match || Number(match[2]) > 65535)
    throw configError(source, key, `must be host:port such as 0.0.0.0:8080, got ${JSON.stringify(text)}`);
  return text;
}

/**
 * A node key goes into an HTTP header: one token of printable ASCII, or empty for "not set". The
 * key itself is never echoed.
 */
export function asKey(value: unknown, source: string, key: string): string {
  const text = asString(value, source, key);
  if (!/^[\x21-\x7e]{0,256}$/.test(text)) {
    throw configError(
      source,
      key,
      'must be one key as printed by `probe node add` (pk_ and 43 letters, digits, - or _), without spaces or line breaks; ' +
        `got ${text.length} characters that are not one`,
    );
  }
  return text;
}

export function asWsUrl(value: unknown, source: string, key: string): string {
  const text = asString(value, source, key);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError(source, key, `must be a URL such as wss://status.example.com, got ${JSON.stringify(text)}`);
  }
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) {
    throw configError(source, key, `must start with ws://, wss://, http:// or https://`);
  }
  return text;
}

/** One server URL or several: a JSON array, or URLs separated by commas (flags, environment). */
export function asWsUrls(value: unknown, source: string, key: string): string[] {
  // A comma only separates URLs when the next one follows (a comma may appear inside a URL).
  const items = Array.isArray(value) ? (value as unknown[]) : asString(value, source, key).split(/,(?=\s*(?:wss?|https?):\/\/)/i);
  const urls = items.map((item) => (typeof item === 'string' ? item.trim() : item)).filter((item) => item !== '');
  if (urls.length === 0) throw configError(source, key, 'must name at least one server URL such as wss://status.example.com');
  return urls.map((url) => asWsUrl(url, source, key));
}

/** Runs a section parser, naming `source` in the error it throws. */
export function rethrowIn<T>(source: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ProbeError) throw new ProbeError(err.code, `${source}: ${err.message}`);
    throw err;
  }
}

/** A whole number from `min` to `max`: a JSON number, or a string (environment). */
export function asWholeNumber(value: unknown, source: string, key: string, min: number, max: number, expected: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max)
    throw configError(source, key, `must be ${expected}, got ${JSON.stringify(value)}`);
  return n;
}

/** One of a few words; `expected` lists them for the person reading the error. */
export function asOneOf<T extends string>(value: unknown, source: string, key: string, words: readonly T[], expected: string): T {
  const text = asString(value, source, key);
  if (!(words as readonly string[]).includes(text)) throw configError(source, key, `must be ${expected}`);
  return text as T;
}
