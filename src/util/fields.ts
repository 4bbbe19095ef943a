/**
 * @module One validation kit for the cold paths (config file, alert rules, channels, admin request
 * bodies): each check returns the typed value or throws a ProbeError whose message names the key,
 * with the code of the caller's kind (`PROBE_ERR_CONFIG` for files, `PROBE_ERR_BAD_REQUEST` for
 * requests). The agent's hot-path parser in protocol/ stays hand-written.
 */
import { parseBytes } from './bytes';
import { parseDuration } from './duration';
import type { ErrorCode } from './errors';
import { ProbeError } from './errors';

export interface Fields {
  /** The error for `key` with a problem a person can act on: `"alerts.rules[0].for" must be …`. */
  bad(key: string, problem: string): ProbeError;
  object(value: unknown, key: string): Record<string, unknown>;
  /** Throws for any key outside `known` (keys starting with `//` are comments). */
  knownKeys(raw: Record<string, unknown>, key: string, known: readonly string[]): void;
  text(value: unknown, key: string, max: number, min?: number): string;
  optionalText(value: unknown, key: string, max: number): string | undefined;
  strings(value: unknown, key: string, maxItems?: number): string[];
  bool(value: unknown, key: string, fallback: boolean): boolean;
  integer(value: unknown, key: string, min: number, max: number, fallback?: number): number;
  number(value: unknown, key: string, fallback?: number): number;
  oneOf<T extends string>(value: unknown, key: string, options: readonly T[], fallback?: T): T;
  /** "30s", "5m", "7d" in ms. */
  duration(value: unknown, key: string, fallback?: number): number;
  /** "1TB", "500GiB" or a number of bytes. */
  bytes(value: unknown, key: string): number;
  httpUrl(value: unknown, key: string): string;
}

const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

export function fields(code: ErrorCode): Fields {
  const bad = (key: string, problem: string) => new ProbeError(code, `"${key}" ${problem}`);
  const given = <T>(value: unknown, fallback: T | undefined, key: string, what: string): value is T => {
    if (value !== undefined) return false;
    if (fallback === undefined) throw bad(key, `is required (${what})`);
    return true;
  };
  const kit: Fields = {
    bad,
    object(value, key) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(key, 'must be an object');
      return value as Record<string, unknown>;
    },
    knownKeys(raw, key, known) {
      for (const k of Object.keys(raw)) {
        if (!known.includes(k) && !k.startsWith('//'))
          throw bad(key ? `${key}.${k}` : k, `is not a known setting (known: ${known.join(', ')})`);
      }
    },
    text(value, key, max, min = 0) {
      if (typeof value !== 'string' || value.length > max || value.length < min) {
        throw bad(key, min > 0 ? `must be a string of ${min} to ${max} characters` : `must be a string of at most ${max} characters`);
      }
      return value;
    },
    optionalText: (value, key, max) => (value === undefined ? undefined : kit.text(value, key, max)),
    strings(value, key, maxItems = 1000) {
      if (value === undefined) return [];
      if (!Array.isArray(value) || value.length > maxItems || !value.every((v) => typeof v === 'string'))
        throw bad(key, `must be a list of at most ${maxItems} strings`);
      return value as string[];
    },
    bool(value, key, fallback) {
      if (value === undefined) return fallback;
      if (typeof value !== 'boolean') throw bad(key, `must be true or false, got ${show(value)}`);
      return value;
    },
    integer(value, key, min, max, fallback) {
      if (given(value, fallback, key, `a whole number from ${min} to ${max}`)) return fallback as number;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
        throw bad(key, `must be a whole number from ${min} to ${max}, got ${show(value)}`);
      return value;
    },
    number(value, key, fallback) {
      if (given(value, fallback, key, 'a number')) return fallback as number;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(key, `must be a number, got ${show(value)}`);
      return value;
    },
    oneOf(value, key, options, fallback) {
      if (given(value, fallback, key, `one of ${options.join(', ')}`)) return fallback as (typeof options)[number];
      if (typeof value !== 'string' || !options.includes(value as (typeof options)[number]))
        throw bad(key, `must be one of ${options.join(', ')}, got ${show(value)}`);
      return value as (typeof options)[number];
    },
    duration(value, key, fallback) {
      if (given(value, fallback, key, 'a duration such as "30s" or "5m"')) return fallback as number;
      const ms = typeof value === 'string' ? parseDuration(value) : null;
      if (ms === null) throw bad(key, `must be a duration such as "30s" or "5m", got ${show(value)}`);
      return ms;
    },
    bytes(value, key) {
      const n = typeof value === 'string' || typeof value === 'number' ? parseBytes(value) : null;
      if (n === null) throw bad(key, `must be a size such as "1TB" or "500GiB", got ${show(value)}`);
      return n;
    },
    httpUrl(value, key) {
      if (typeof value !== 'string' || value.length > 2000 || !/^https?:\/\/[^\s]+$/i.test(value))
        throw bad(key, `must be an http:// or https:// URL, got ${show(value)}`);
      return value;
    },
  };
  return kit;
}

/** For the config file and everything parsed from it. */
export const configFields = fields('PROBE_ERR_CONFIG');
/** For HTTP request bodies and query strings. */
export const requestFields = fields('PROBE_ERR_BAD_REQUEST');
