/**
 * @module Every setting once: its dotted key, its PROBE_* variable, its command-line flag and help,
 * and how its value is parsed into the Config. The loader, the CLI's options and the service
 * files `probe install` writes are all derived from this table (the server's rows: server-settings.ts).
 */
import { asPeers, asSecret } from './cluster';
import { parseAgentChecks, parseCommands, parseLatencyTargets, parseLinks } from './page';
import { parseHistoryRead, parseRemoteWrite } from './remote-write';
import { SERVER_SETTINGS } from './server-settings';
import type { Setting } from './setting-row';
import { asBoolean, asInterval, asKey, asOneOf, asRetention, asString, asWholeNumber, asWsUrls, rethrowIn } from './values';

export const SETTINGS: readonly Setting[] = [
  ...SERVER_SETTINGS,
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
    help: 'server URL, e.g. wss://status.example.com; several, comma-separated or repeated: the first is preferred, the others fallbacks',
    installHelp: 'server URL (several: comma-separated, the first preferred)',
    repeatable: true,
    apply: (c, v, s, k) => {
      c.agent.servers = asWsUrls(v, s, k);
    },
  },
  {
    key: 'agent.preferredRetry',
    env: 'PROBE_PREFERRED_RETRY',
    apply: (c, v, s, k) => {
      c.agent.preferredRetryMs = asInterval(v, s, k);
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
    key: 'cluster.peers',
    env: 'PROBE_CLUSTER_PEERS',
    apply: (c, v, s, k) => {
      c.cluster.peers = asPeers(v, s, k);
    },
  },
  {
    key: 'cluster.secret',
    env: 'PROBE_CLUSTER_SECRET',
    apply: (c, v, s, k) => {
      c.cluster.secret = asSecret(v, s, k);
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
    key: 'history.remoteWrite',
    apply: (c, v, s) => {
      c.history.remoteWrite = rethrowIn(s, () => parseRemoteWrite(v));
    },
  },
  {
    key: 'history.read',
    apply: (c, v, s) => {
      c.history.read = rethrowIn(s, () => parseHistoryRead(v));
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
