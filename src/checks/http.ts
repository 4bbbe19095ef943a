/**
 * @module The `http` and `https` checks: does the URL answer with an expected status (and the
 * keyword, if one is set), following redirects? For https also the certificate of the configured
 * URL: its expiry, its issuer and whether its chain verifies. The latency is the time to the
 * final response's headers, name lookup, connect and handshake included.
 */
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import { configFields as f } from '../util/fields';
import type { CertInfo, CheckBase, CheckResult, CheckType } from './check';
import { deadline, parseBase, since } from './check';
import { MAX_BODY_BYTES, requestOnce } from './http-request';

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const DEFAULT_REDIRECTS = 5;
const MAX_REDIRECTS = 20;

export interface HttpCheck extends CheckBase {
  type: 'http' | 'https';
  url: string;
  method: (typeof METHODS)[number];
  /** Accepted statuses as inclusive ranges; default [[200, 399]]. */
  status: [number, number][];
  keyword?: string;
  headers: Record<string, string>;
  body?: string;
  /** How many redirects are followed; 0 judges the redirect response itself. */
  redirects: number;
  /** Up even if the certificate does not verify (it is still read and reported). */
  insecure: boolean;
}

const KEYS = ['url', 'method', 'status', 'keyword', 'headers', 'body', 'redirects', 'insecure'];

/** 200, "200-299", or a list of those. */
function parseStatus(value: unknown, key: string): [number, number][] {
  if (value === undefined) return [[200, 399]];
  const one = (v: unknown): [number, number] => {
    const range = typeof v === 'string' ? /^\s*(\d{3})\s*-\s*(\d{3})\s*$/.exec(v) : null;
    const [lo, hi] = range ? [Number(range[1]), Number(range[2])] : [v, v];
    if (
      typeof lo !== 'number' ||
      typeof hi !== 'number' ||
      !Number.isInteger(lo) ||
      !Number.isInteger(hi) ||
      lo < 100 ||
      hi > 599 ||
      lo > hi
    ) {
      throw f.bad(key, `must be a status (200), a range ("200-299") or a list of them, got ${JSON.stringify(value)}`);
    }
    return [lo, hi];
  };
  if (!Array.isArray(value)) return [one(value)];
  if (value.length === 0 || value.length > 50) throw f.bad(key, 'must list from 1 to 50 statuses or ranges');
  return value.map(one);
}

function parseHeaders(value: unknown, key: string): Record<string, string> {
  if (value === undefined) return {};
  const raw = f.object(value, key);
  if (Object.keys(raw).length > 50) throw f.bad(key, 'must hold at most 50 headers');
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(name)) throw f.bad(`${key}.${name}`, 'is not a valid header name');
    const text = f.text(v, `${key}.${name}`, 8192);
    if (/[\r\n\0]/.test(text)) throw f.bad(`${key}.${name}`, 'must not hold line breaks');
    headers[name] = text;
  }
  return headers;
}

/** A number of redirects to follow, true (the default, 5) or false (none). */
function parseRedirects(value: unknown, key: string): number {
  if (typeof value === 'boolean') return value ? DEFAULT_REDIRECTS : 0;
  return f.integer(value, key, 0, MAX_REDIRECTS, DEFAULT_REDIRECTS);
}

function parse(raw: unknown, key: string): HttpCheck {
  const { entry, base } = parseBase(raw, key, ['http', 'https'], KEYS);
  const url = f.httpUrl(entry.url, `${key}.url`);
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // Reported below with the same message as a URL of the wrong scheme.
  }
  if (parsed?.protocol !== `${base.type}:`)
    throw f.bad(`${key}.url`, `must be an ${base.type}:// URL for a check of type ${base.type}, got ${JSON.stringify(url)}`);
  const keyword = f.optionalText(entry.keyword, `${key}.keyword`, 1000);
  if (keyword === '') throw f.bad(`${key}.keyword`, 'must not be empty');
  const method = f.oneOf(entry.method, `${key}.method`, METHODS, 'GET');
  if (keyword !== undefined && method === 'HEAD')
    throw f.bad(`${key}.keyword`, 'cannot be looked for with method HEAD (its response has no body)');
  const body = f.optionalText(entry.body, `${key}.body`, 65_536);
  return {
    ...base,
    url,
    method,
    status: parseStatus(entry.status, `${key}.status`),
    ...(keyword !== undefined && { keyword }),
    headers: parseHeaders(entry.headers, `${key}.headers`),
    ...(body !== undefined && { body }),
    redirects: parseRedirects(entry.redirects, `${key}.redirects`),
    insecure: f.bool(entry.insecure, `${key}.insecure`, false),
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const showStatus = (ranges: [number, number][]) => ranges.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(', ');

/** Judges the final response; `latencyMs` is already known. */
function judge(check: HttpCheck, status: number, body: string | undefined): string | null {
  if (!check.status.some(([lo, hi]) => status >= lo && status <= hi)) return `status ${status}, expected ${showStatus(check.status)}`;
  if (check.keyword !== undefined && !(body ?? '').includes(check.keyword)) {
    return `${JSON.stringify(check.keyword)} is not in the response (first ${MAX_BODY_BYTES / 1024 / 1024} MiB read)`;
  }
  return null;
}

function nextUrl(location: string, from: URL): URL {
  try {
    return new URL(location, from);
  } catch {
    throw new Error(`redirected to ${JSON.stringify(location)}, which is not a valid URL`);
  }
}

async function run(check: HttpCheck, signal: AbortSignal, clock: Clock = systemClock): Promise<CheckResult> {
  const ts = clock.now();
  const limit = deadline(signal, check.timeoutMs, clock);
  let cert: CertInfo | undefined;
  const withCert = (result: CheckResult): CheckResult => (cert ? { ...result, cert } : result);
  const started = performance.now();
  let url = new URL(check.url);
  let method: string = check.method;
  let body = check.body;
  try {
    for (let hop = 0; ; hop++) {
      const res = await requestOnce({
        url,
        method,
        headers: check.headers,
        ...(body !== undefined && { body }),
        insecure: check.insecure,
        readBody: check.keyword !== undefined && method !== 'HEAD',
        signal: limit.signal,
        // The certificate reported is the configured URL's, not that of a host it redirects to.
        ...(hop === 0 && { onCert: (c: CertInfo) => void (cert = c) }),
      });
      if (REDIRECTS.has(res.status) && res.location !== undefined && check.redirects > 0) {
        if (hop >= check.redirects)
          return withCert({
            ts,
            up: false,
            latencyMs: since(started),
            error: `more than ${check.redirects} redirects (the last to ${res.location})`,
          });
        url = nextUrl(res.location, url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          throw new Error(`redirected to ${JSON.stringify(res.location)}, which is not an http(s) URL`);
        // As browsers do: 303, and 301/302 after a POST, go on with a GET without the body.
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
        }
        continue;
      }
      const latencyMs = since(started);
      const error = judge(check, res.status, res.body);
      return withCert(error === null ? { ts, up: true, latencyMs } : { ts, up: false, latencyMs, error });
    }
  } catch (err) {
    return withCert({ ts, up: false, latencyMs: null, error: limit.describe(err) });
  } finally {
    limit.done();
  }
}

export const httpCheck: CheckType<HttpCheck> = { parse, run };
