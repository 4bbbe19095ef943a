/**
 * @module The shape every notification provider has (one per file in providers/): parse its
 * channel's config at load, with errors naming the key, and send one message. Helpers for both.
 */
import { configFields } from '../util/fields';
import type { ChannelFieldSpec } from '../protocol/admin';
import type { AlertMessage } from './message';

export interface Provider<C extends { type: string }> {
  readonly type: C['type'];
  /** The fields of its config, for the admin's form; `secret` ones are never sent back to a browser. */
  readonly fields: readonly ChannelFieldSpec[];
  /** Validates `notifications.<name>` (given as `key`) for this type. */
  parse(raw: Record<string, unknown>, key: string): C;
  send(channel: C, message: AlertMessage): Promise<void>;
}

const TIMEOUT_MS = 10_000;

/** Tokens, addresses and URLs of every service fit in this many characters. */
const MAX_FIELD = 4096;

/** A non-empty string field the channel type needs. */
export function required(raw: Record<string, unknown>, key: string, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value === '' || value.length > MAX_FIELD)
    throw configFields.bad(`${key}.${field}`, `is required for ${String(raw.type)} channels (a string of at most ${MAX_FIELD} characters)`);
  return value;
}

export function optional(raw: Record<string, unknown>, key: string, field: string, fallback: string): string {
  return configFields.optionalText(raw[field], `${key}.${field}`, MAX_FIELD) ?? fallback;
}

/** The URL in `field` (or `fallback`), http or https only. */
export function urlField(raw: Record<string, unknown>, key: string, field: string, fallback?: string): string {
  return configFields.httpUrl(fallback === undefined ? required(raw, key, field) : optional(raw, key, field, fallback), `${key}.${field}`);
}

export const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export interface PostRequest {
  url: string;
  headers?: Record<string, string>;
  body: string;
}

/** POSTs (JSON unless the headers say otherwise); `check` finds errors that services report inside a 200 answer. */
export async function post(req: PostRequest, check?: (body: string) => string | null): Promise<void> {
  const res = await fetch(req.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'probe', ...req.headers },
    body: req.body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const problem = check?.(text);
  if (problem) throw new Error(problem);
}

/** A top-level field of a JSON answer, or undefined if it is not JSON. */
export function jsonField(text: string, name: string): unknown {
  try {
    return (JSON.parse(text) as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/** DingTalk's and WeCom's answers: `{"errcode":0}` or an error code and message. */
export function errcodeCheck(text: string): string | null {
  const code = jsonField(text, 'errcode');
  return typeof code === 'number' && code !== 0 ? `errcode ${code}: ${String(jsonField(text, 'errmsg'))}` : null;
}
