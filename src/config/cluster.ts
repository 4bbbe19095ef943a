/**
 * @module `cluster.peers` and `cluster.secret`: the other probe servers whose agents' live samples
 * this one shows (src/server/cluster), and the secret all of them share. The secret is never
 * shown, not even in an error.
 */
import { configError } from './values';

export interface ClusterConfig {
  /** Base URLs of the other servers (http[s]://host:port); each is followed at `<url>/ws/peer`. */
  peers: string[];
  /** The shared secret peers present (Bearer) on /ws/peer; '' leaves /ws/peer closed. */
  secret: string;
}

/** Shortest secret taken: 32 characters from `openssl rand -hex 16` or `probe node add`'s key alphabet. */
export const MIN_SECRET_LENGTH = 32;
const MAX_PEERS = 32;

/** One peer's base URL: http, https, ws or wss, no credentials, no query; without a trailing slash. */
function asPeerUrl(value: unknown, source: string, key: string): string {
  const example = 'such as https://b.example.com:8080';
  if (typeof value !== 'string') throw configError(source, key, `must list URLs ${example}, got ${JSON.stringify(value)}`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw configError(source, key, `must list URLs ${example}, got ${JSON.stringify(value)}`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw configError(source, key, `must list http(s):// URLs ${example}`);
  if (url.username || url.password) throw configError(source, key, 'must not hold credentials (user:password@): peers use cluster.secret');
  if (url.search || url.hash) throw configError(source, key, `must list base URLs without ? or #, ${example}`);
  return url.href.replace(/\/+$/, '');
}

/** `cluster.peers`: a JSON list, or URLs separated by commas (environment). */
export function asPeers(value: unknown, source: string, key: string): string[] {
  const items = Array.isArray(value)
    ? (value as unknown[])
    : typeof value === 'string'
      ? value.split(',').filter((s) => s.trim())
      : [value];
  if (items.length > MAX_PEERS) throw configError(source, key, `may list at most ${MAX_PEERS} peers`);
  return [...new Set(items.map((item) => asPeerUrl(item, source, key)))];
}

/** `cluster.secret`: one header token of at least MIN_SECRET_LENGTH printable characters. */
export function asSecret(value: unknown, source: string, key: string): string {
  if (value === '') return '';
  const text = typeof value === 'string' ? value : '';
  if (!/^[\x21-\x7e]+$/.test(text) || text.length < MIN_SECRET_LENGTH || text.length > 256)
    throw configError(
      source,
      key,
      `must be ${MIN_SECRET_LENGTH} to 256 printable characters without spaces (e.g. from \`openssl rand -hex 32\`), ` +
        `the same on every server; got ${typeof value === 'string' ? `${text.length} characters that are not one` : 'no string'}`,
    );
  return text;
}

/** Peers need the secret: checked once every source is read. */
export function checkCluster(cluster: ClusterConfig): void {
  if (cluster.peers.length > 0 && cluster.secret === '')
    throw configError(
      'config',
      'cluster.peers',
      'needs "cluster.secret" (or PROBE_CLUSTER_SECRET) too: the same secret on every server, at least 32 characters',
    );
}
