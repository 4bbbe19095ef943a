/**
 * @module The server's rows of the settings table (settings.ts): listen address, data directory,
 * the local agent, title and public URL, allowed hosts, TLS, proxies, acks and the metric name budget.
 */
import { parseTrustedProxies } from '../server/net/client-address';
import type { Setting } from './setting-row';
import { asAckInterval, asBoolean, asHostName, asList, asListen, asPostgresUrl, asString, asWholeNumber, rethrowIn } from './values';

export const SERVER_SETTINGS: readonly Setting[] = [
  {
    key: 'server.listen',
    env: 'PROBE_LISTEN',
    flag: '-l, --listen <host:port>',
    help: 'address to listen on',
    note: 'default 0.0.0.0:8080',
    installHelp: 'address to listen on (default 0.0.0.0:8080)',
    apply: (c, v, s, k) => {
      c.server.listen = asListen(v, s, k);
    },
  },
  {
    key: 'server.data',
    env: 'PROBE_DATA',
    flag: '-d, --data <dir>',
    help: 'data directory holding probe.db',
    note: 'default ./probe-data',
    apply: (c, v, s, k) => {
      c.server.data = asString(v, s, k);
    },
  },
  {
    key: 'server.localAgent',
    env: 'PROBE_LOCAL_AGENT',
    flag: '--local-agent',
    help: 'also report this machine, from an agent inside the server',
    installHelp: 'also report this machine',
    apply: (c, v, s, k) => {
      c.server.localAgent = asBoolean(v, s, k);
    },
  },
  {
    key: 'server.title',
    env: 'PROBE_TITLE',
    flag: '--title <text>',
    help: 'page title',
    note: 'default "probe"',
    apply: (c, v, s, k) => {
      c.server.title = asString(v, s, k);
    },
  },
  // A flag of `probe install server` only: `probe server` takes it from the file or the environment.
  {
    key: 'server.publicUrl',
    env: 'PROBE_PUBLIC_URL',
    flag: '--public-url <url>',
    installHelp: 'URL agents and links use to reach this server, e.g. https://status.example.com',
    apply: (c, v, s, k) => {
      c.server.publicUrl = asString(v, s, k);
    },
  },
  {
    key: 'server.allowedHosts',
    env: 'PROBE_ALLOWED_HOSTS',
    apply: (c, v, s, k) => {
      c.server.allowedHosts = asList(v, s, k).map((host) => asHostName(host, s, k));
    },
  },
  {
    key: 'server.tlsCert',
    env: 'PROBE_TLS_CERT',
    flag: '--tls-cert <file>',
    help: 'PEM certificate (chain) for HTTPS/WSS; re-read on SIGHUP',
    apply: (c, v, s, k) => {
      c.server.tlsCert = asString(v, s, k);
    },
  },
  {
    key: 'server.tlsKey',
    env: 'PROBE_TLS_KEY',
    flag: '--tls-key <file>',
    help: 'PEM private key for --tls-cert',
    apply: (c, v, s, k) => {
      c.server.tlsKey = asString(v, s, k);
    },
  },
  {
    key: 'server.trustProxy',
    env: 'PROBE_TRUST_PROXY',
    flag: '--trust-proxy',
    help: 'behind a reverse proxy: client addresses from X-Forwarded-For',
    installHelp: 'behind a reverse proxy on this machine',
    apply: (c, v, s, k) => {
      c.server.trustProxy = asBoolean(v, s, k);
    },
  },
  {
    key: 'server.trustedProxies',
    env: 'PROBE_TRUSTED_PROXIES',
    apply: (c, v, s, k) => {
      c.server.trustedProxies = rethrowIn(s, () => parseTrustedProxies(asList(v, s, k)));
    },
  },
  {
    key: 'server.ackInterval',
    env: 'PROBE_ACK_INTERVAL',
    apply: (c, v, s, k) => {
      c.server.ackIntervalMs = asAckInterval(v, s, k);
    },
  },
  {
    key: 'server.metricNamesPerNode',
    env: 'PROBE_METRIC_NAMES_PER_NODE',
    apply: (c, v, s, k) => {
      c.server.metricNamesPerNode = asWholeNumber(v, s, k, 100, 100_000, 'a whole number from 100 to 100000');
    },
  },
  // No flag: a password on the command line shows in `ps`.
  {
    key: 'store.postgres',
    env: 'PROBE_STORE_POSTGRES',
    apply: (c, v, s, k) => {
      c.store.postgres = asPostgresUrl(v, s, k);
    },
  },
];
