/**
 * @module `history.remoteWrite`: the Prometheus remote-write targets every stored sample is sent
 * to (src/server/remote), and `history.read`: the TSDB the history API reads through PromQL.
 * Credentials go in `basicAuth` or `headers`, never in the URL, so the URL can be logged and its
 * host shown as the target's name.
 */
import { configFields } from '../util/fields';

export interface RemoteWriteTarget {
  /** The `target` label of its figures on /metrics and the key of its cursor (default: the URL's host and path). */
  name: string;
  url: string;
  /** Extra request headers (X-Scope-OrgID for Mimir, Authorization for a token); values are secrets. */
  headers: Record<string, string>;
  basicAuth: { username: string; password: string } | null;
  timeoutMs: number;
}

const { bad, object, knownKeys, text, httpUrl, duration } = configFields;
const KEYS = ['name', 'url', 'headers', 'basicAuth', 'timeout'];
/** Set by the writer: a header of the same name would make the request something the receiver does not read. */
const RESERVED = new Set(['content-type', 'content-encoding', 'content-length', 'x-prometheus-remote-write-version', 'host']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

function parseHeaders(value: unknown, key: string): Record<string, string> {
  if (value === undefined) return {};
  const raw = object(value, key);
  if (Object.keys(raw).length > 20) throw bad(key, 'may hold at most 20 headers');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw)) {
    if (!TOKEN.test(name)) throw bad(`${key}.${name}`, 'is not a valid HTTP header name');
    if (RESERVED.has(name.toLowerCase())) throw bad(`${key}.${name}`, 'is set by probe itself: leave it out');
    // The value is a secret: never shown, not even in the error.
    if (typeof v !== 'string' || v.length > 4096 || /[\r\n\0]/.test(v))
      throw bad(`${key}.${name}`, 'must be a string of at most 4096 characters on one line');
    out[name] = v;
  }
  return out;
}

function parseTarget(value: unknown, key: string, keys = KEYS): RemoteWriteTarget {
  const raw = object(value, key);
  knownKeys(raw, key, keys);
  const url = httpUrl(raw.url, `${key}.url`);
  const parsed = new URL(url);
  if (parsed.username || parsed.password)
    throw bad(`${key}.url`, 'must not hold credentials (user:password@): put them in "basicAuth" so they are never logged');
  let basicAuth: RemoteWriteTarget['basicAuth'] = null;
  if (raw.basicAuth !== undefined) {
    const auth = object(raw.basicAuth, `${key}.basicAuth`);
    knownKeys(auth, `${key}.basicAuth`, ['username', 'password']);
    basicAuth = {
      username: text(auth.username, `${key}.basicAuth.username`, 200, 1),
      password: text(auth.password, `${key}.basicAuth.password`, 1000),
    };
    if (basicAuth.username.includes(':')) throw bad(`${key}.basicAuth.username`, 'must not contain ":"');
  }
  const headers = parseHeaders(raw.headers, `${key}.headers`);
  if (basicAuth && Object.keys(headers).some((h) => h.toLowerCase() === 'authorization'))
    throw bad(key, 'has both "basicAuth" and an Authorization header: keep one');
  const timeoutMs = duration(raw.timeout, `${key}.timeout`, 30_000);
  if (timeoutMs < 1000 || timeoutMs > 300_000) throw bad(`${key}.timeout`, 'must be from 1s to 5m');
  const name = raw.name === undefined ? `${parsed.host}${parsed.pathname}` : text(raw.name, `${key}.name`, 100, 1);
  return { name, url, headers, basicAuth, timeoutMs };
}

/** Where history is read from: a Prometheus-compatible query API (`<url>/api/v1/query_range`). */
export type HistoryReadTarget = Omit<RemoteWriteTarget, 'name'> & {
  /**
   * Buckets ending less than this before now are read locally: remote write sends a few seconds
   * behind, and VictoriaMetrics fills the points of its last `-search.latencyOffset` (30 s by
   * default) with the point before them.
   */
  settleMs: number;
};

/**
 * `history.read`: `{ "url": "http://127.0.0.1:8428" }` with optional headers, basicAuth, timeout
 * (default 10 s) and settle (default 30 s); null: off.
 */
export function parseHistoryRead(value: unknown): HistoryReadTarget | null {
  const key = 'history.read';
  if (value === null) return null;
  const { name: _name, ...target } = parseTarget(value, key, [...KEYS.filter((k) => k !== 'name'), 'settle']);
  const raw = object(value, key);
  if (raw.timeout === undefined) target.timeoutMs = 10_000;
  const settleMs = raw.settle === undefined ? 30_000 : duration(raw.settle, `${key}.settle`, 30_000);
  if (settleMs > 3_600_000) throw bad(`${key}.settle`, 'must be at most 1h');
  return { ...target, settleMs, url: target.url.replace(/\/+$/, '') };
}

/** The `history.remoteWrite` list: at most 8 targets, each with its own name. */
export function parseRemoteWrite(value: unknown): RemoteWriteTarget[] {
  const key = 'history.remoteWrite';
  if (!Array.isArray(value) || value.length > 8)
    throw bad(key, 'must be a list of at most 8 targets such as { "url": "http://127.0.0.1:8428/api/v1/write" }');
  const targets = value.map((item, i) => parseTarget(item, `${key}[${i}]`));
  const names = new Set<string>();
  for (const [i, t] of targets.entries()) {
    if (names.has(t.name)) throw bad(`${key}[${i}]`, `has the same name as another target ("${t.name}"): give each its own "name"`);
    names.add(t.name);
  }
  return targets;
}
