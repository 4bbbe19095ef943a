/**
 * @module Every setting once: its dotted key, its PROBE_* variable, its command-line flag and help,
 * and how its value is parsed into the Config. The loader, the CLI's options and the service
 * files `probe install` writes are all derived from this table.
 */
import { parseTrustedProxies } from '../server/net/client-address';
import { parseAgentChecks, parseCommands, parseLatencyTargets, parseLinks } from './page';
import type { Config } from './schema';
import {
  asAckInterval,
  asBoolean,
  asHostName,
  asInterval,
  asKey,
  asList,
  asListen,
  asOneOf,
  asRetention,
  asString,
  asWholeNumber,
  asWsUrl,
  rethrowIn,
} from './values';

export interface Setting {
  /** Dotted key, as written in the config file (`server.listen`). */
  key: string;
  /** Environment variable; absent for settings only a config file can hold. */
  env?: string;
  /** Commander flags, e.g. `-l, --listen <host:port>`; a flag without a value is a boolean. */
  flag?: string;
  /** The flag's help under `probe server` / `probe agent`; the env name and `note` follow in parentheses. */
  help?: string;
  note?: string;
  /** The flag's help under `probe install <role>`, when it differs from `help`. */
  installHelp?: string;
  /** Parses one raw value (from `source`: a file, the environment or the command line) into the config. */
  apply(config: Config, value: unknown, source: string, key: string): void;
}

export const SETTINGS: readonly Setting[] = [
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
  {
    key: 'agent.ca',
    env: 'PROBE_CA',
    flag: '--ca <file>',
    help: 'also trust these CA certificates (PEM) for wss://',
    apply: (c, v, s, k) => {
      c.agent.ca = asString(v, s, k);
    },
  },
  {
    key: 'page.description',
    env: 'PROBE_DESCRIPTION',
    apply: (c, v, s, k) => {
      c.page.description = asString(v, s, k).slice(0, 500);
    },
  },
  {
    key: 'page.showHostnames',
    env: 'PROBE_SHOW_HOSTNAMES',
    apply: (c, v, s, k) => {
      c.page.showHostnames = asBoolean(v, s, k);
    },
  },
  {
    key: 'page.alerts',
    env: 'PROBE_PAGE_ALERTS',
    apply: (c, v, s, k) => {
      c.page.alerts = asOneOf(v, s, k, ['none', 'firing', 'all'], 'none, firing or all');
    },
  },
  {
    key: 'agent.server',
    env: 'PROBE_SERVER',
    flag: '-s, --server <url>',
    help: 'server URL, e.g. wss://status.example.com',
    installHelp: 'server URL',
    apply: (c, v, s, k) => {
      c.agent.server = asWsUrl(v, s, k);
    },
  },
  {
    key: 'agent.key',
    env: 'PROBE_KEY',
    flag: '-k, --key <key>',
    help: 'node key from `probe node add`',
    note: 'which keeps it out of `ps`',
    installHelp:
      'node key from the admin or `probe node add` (stored only in a file for root/Administrators: /etc/probe/agent.env on Linux)',
    apply: (c, v, s, k) => {
      c.agent.key = asKey(v, s, k);
    },
  },
  {
    key: 'agent.interval',
    env: 'PROBE_INTERVAL',
    flag: '-i, --interval <duration>',
    help: 'time between samples, 1s or more',
    note: 'default 1s',
    installHelp: 'time between samples',
    apply: (c, v, s, k) => {
      c.agent.intervalMs = asInterval(v, s, k);
    },
  },
  {
    key: 'agent.stateDir',
    env: 'PROBE_STATE_DIR',
    flag: '--state-dir <dir>',
    help: 'where unsent samples are buffered',
    note: 'default ~/.probe-agent',
    apply: (c, v, s, k) => {
      c.agent.stateDir = asString(v, s, k);
    },
  },
  {
    key: 'agent.bufferMaxBytes',
    env: 'PROBE_BUFFER_MAX_BYTES',
    apply: (c, v, s, k) => {
      c.agent.bufferMaxBytes = asWholeNumber(v, s, k, 1024 * 1024, Number.MAX_SAFE_INTEGER, 'a number of bytes, at least 1048576');
    },
  },
  {
    key: 'agent.bufferMaxAge',
    env: 'PROBE_BUFFER_MAX_AGE',
    apply: (c, v, s, k) => {
      c.agent.bufferMaxAgeMs = asRetention(v, s, k);
    },
  },
  {
    key: 'agent.latencyTargets',
    env: 'PROBE_LATENCY_TARGETS',
    flag: '--latency <targets>',
    help: 'TCP connect-time probes, "label=host:port,…"',
    apply: (c, v, s) => {
      c.agent.latencyTargets = rethrowIn(s, () => parseLatencyTargets(v));
    },
  },
  {
    key: 'agent.latencyInterval',
    env: 'PROBE_LATENCY_INTERVAL',
    apply: (c, v, s, k) => {
      c.agent.latencyIntervalMs = asInterval(v, s, k);
    },
  },
  {
    key: 'agent.textfileDir',
    env: 'PROBE_TEXTFILE_DIR',
    flag: '--textfile-dir <dir>',
    help: 'read custom metrics from *.prom files here',
    apply: (c, v, s, k) => {
      c.agent.textfileDir = asString(v, s, k);
    },
  },
  {
    key: 'agent.hostRoot',
    env: 'PROBE_HOST_ROOT',
    apply: (c, v, s, k) => {
      c.agent.hostRoot = asString(v, s, k);
    },
  },
  {
    key: 'retention.raw',
    env: 'PROBE_RETENTION_RAW',
    apply: (c, v, s, k) => {
      c.retention.raw = asRetention(v, s, k);
    },
  },
  {
    key: 'retention.1m',
    env: 'PROBE_RETENTION_1M',
    apply: (c, v, s, k) => {
      c.retention['1m'] = asRetention(v, s, k);
    },
  },
  {
    key: 'retention.15m',
    env: 'PROBE_RETENTION_15M',
    apply: (c, v, s, k) => {
      c.retention['15m'] = asRetention(v, s, k);
    },
  },
  {
    key: 'retention.1h',
    env: 'PROBE_RETENTION_1H',
    apply: (c, v, s, k) => {
      c.retention['1h'] = asRetention(v, s, k);
    },
  },
  {
    key: 'log.level',
    env: 'PROBE_LOG_LEVEL',
    flag: '--log-level <level>',
    help: 'debug, info, warn or error',
    apply: (c, v, s, k) => {
      c.logLevel = asOneOf(v, s, k, ['debug', 'info', 'warn', 'error'], 'debug, info, warn or error');
    },
  },
  // Structured values only a config file can hold.
  {
    key: 'page.links',
    apply: (c, v, s) => {
      c.page.links = rethrowIn(s, () => parseLinks(v));
    },
  },
  {
    key: 'agent.commands',
    apply: (c, v, s) => {
      c.agent.commands = rethrowIn(s, () => parseCommands(v));
    },
  },
  {
    key: 'agent.checks',
    apply: (c, v, s) => {
      c.agent.checks = rethrowIn(s, () => parseAgentChecks(v));
    },
  },
];

const BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));

/** The setting of a dotted key, or undefined for an unknown one. */
export function settingOf(key: string): Setting | undefined {
  return BY_KEY.get(key);
}

/** Environment variables and the dotted config key each one sets. */
export const ENV_KEYS: Readonly<Record<string, string>> = Object.fromEntries(SETTINGS.filter((s) => s.env).map((s) => [s.env, s.key]));

/**
 * PROBE_* variables for settings given as dotted keys (for the service files `probe install`
 * writes): unset and false values are left out, so the defaults apply.
 */
export function toEnv(settings: Record<string, unknown>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(settings)) {
    const name = settingOf(key)?.env;
    if (!name) throw new Error(`${key} has no environment variable`);
    env[name] = value === undefined || value === false ? undefined : String(value);
  }
  return env;
}
