/**
 * @module Why a notification failed, fit for the log: without the channel's secrets. Errors from
 * fetch and nodemailer quote whole URLs (`Failed to parse URL from https://…/bot<token>/…`), and
 * for most services the URL is the secret: a Slack, Discord or WeCom webhook, DingTalk's
 * access_token, an ntfy topic, a password in `https://user:pass@host`.
 */
import type { Channel } from './channels';

/** Channel fields that are secrets wherever they appear; URLs are cut down separately. */
const SECRET_FIELDS = new Set(['botToken', 'token', 'sendKey', 'deviceKey', 'pass', 'secret', 'topic']);
/** Shorter values would blank out ordinary words of a message; a secret that short protects nothing anyway. */
const MIN_SECRET_LENGTH = 4;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]*/gi;
const HIDDEN = '***';

/** scheme://host[:port] and a mark that something followed: no credentials, path or query. */
function origin(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^/?#]*)(.*)$/is.exec(url);
  if (!m) return HIDDEN;
  return `${m[1]}${m[2]}${m[3] ? '/…' : ''}`;
}

/** The strings of `channel` that must not be logged, longest first (so a token inside a URL goes with the URL). */
function secretsOf(channel: Channel): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(channel)) {
    if (typeof value === 'string' && (SECRET_FIELDS.has(key) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value))) out.push(value);
    // Header values are credentials more often than not (Authorization, X-Api-Key…).
    if (key === 'headers' && value && typeof value === 'object') out.push(...Object.values(value as Record<string, string>));
  }
  const long = out.filter((s) => s.length >= MIN_SECRET_LENGTH);
  return [...long, ...long.map(encodeURIComponent)].sort((a, b) => b.length - a.length);
}

/** `text` with the channel's secrets and every URL's credentials, path and query taken out. */
export function redact(text: string, channel: Channel): string {
  let out = text;
  for (const secret of secretsOf(channel)) out = out.split(secret).join(/^[a-z][a-z0-9+.-]*:\/\//i.test(secret) ? origin(secret) : HIDDEN);
  return out.replace(URL_IN_TEXT, origin);
}

/** An error's message and, for fetch's "fetch failed", its cause (connection refused, DNS…), redacted. */
export function failureOf(err: unknown, channel: Channel): string {
  const error = err instanceof Error ? err : new Error(String(err));
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return redact(error.message + cause, channel);
}
